"""alert resolution: who resolved a learner's alert without an incident, and the note saying what was done

Revision ID: alert_resolution_0001
Revises: safe_exam_browser_0001
Create Date: 2026-12-07 02:35:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 'alert_resolution_0001'
down_revision = 'safe_exam_browser_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolution_note', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_alerts_resolved_by_id_users'), 'users', ['resolved_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_alerts_resolved_by_id_users'), type_='foreignkey')
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('resolved_by_id')
