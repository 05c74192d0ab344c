"""item source ids: the identifier an imported item came with when the bank gave it another code

Revision ID: item_source_ids_0001
Revises: results_0001
Create Date: 2026-12-06 20:26:00.110248
"""

import sqlalchemy as sa
from alembic import op


revision = 'item_source_ids_0001'
down_revision = 'results_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_id', sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f('ix_items_source_id'), ['source_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_source_id'))
        batch_op.drop_column('source_id')
