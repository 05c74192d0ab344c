"""matching premises: the statements a matching item's learner matches to its options

Revision ID: matching_premises_0001
Revises: item_source_ids_0001
Create Date: 2026-12-06 22:46:15.551147
"""

import sqlalchemy as sa
from alembic import op


revision = 'matching_premises_0001'
down_revision = 'item_source_ids_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('premises', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.drop_column('premises')
