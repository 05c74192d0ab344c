"""the adaptive gate: rehearsal sessions marked, calibrations labelled simulated, and the model
an item version's estimate came from, so the calibration rule can be applied

Revision ID: calibration_gate_0001
Revises: combination_rules_0001
Create Date: 2026-12-06 19:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 'calibration_gate_0001'
down_revision = 'combination_rules_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('test_sessions') as batch_op:
        batch_op.add_column(sa.Column('rehearsal', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('item_versions') as batch_op:
        batch_op.add_column(sa.Column('calibration_model', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('calibration_simulated', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('item_calibrations') as batch_op:
        batch_op.add_column(sa.Column('simulated', sa.Boolean(), nullable=False, server_default=sa.false()))
    # sessions the rehearsal made before this revision are known by their centre
    op.execute("UPDATE test_sessions SET rehearsal = true WHERE centre_id IN "
               "(SELECT id FROM centres WHERE number = 'REHEARSAL')")
    op.execute("UPDATE item_versions SET calibration_model = 'gpcm' WHERE parameter_source = 'calibrated'")


def downgrade() -> None:
    with op.batch_alter_table('item_calibrations') as batch_op:
        batch_op.drop_column('simulated')
    with op.batch_alter_table('item_versions') as batch_op:
        batch_op.drop_column('calibration_simulated')
        batch_op.drop_column('calibration_model')
    with op.batch_alter_table('test_sessions') as batch_op:
        batch_op.drop_column('rehearsal')
