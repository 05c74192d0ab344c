"""item review records: each version's cueing review, difficulty ratings and the laws it tests; scenarios
written as a set

Revision ID: item_review_records_0001
Revises: alert_resolution_0001
Create Date: 2026-12-07 05:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 'item_review_records_0001'
down_revision = 'alert_resolution_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cueing_review', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('difficulty_ratings', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('legislation', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.add_column(sa.Column('written_as_set', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.drop_column('written_as_set')
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.drop_column('legislation')
        batch_op.drop_column('difficulty_ratings')
        batch_op.drop_column('cueing_review')
