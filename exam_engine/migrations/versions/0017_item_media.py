"""item media: the images an item version's stem shows, stored with the version

Revision ID: item_media_0001
Revises: matching_premises_0001
Create Date: 2026-12-06 23:22:41.273592
"""

import sqlalchemy as sa
from alembic import op


revision = 'item_media_0001'
down_revision = 'matching_premises_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('item_media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_item_media_item_version_id_item_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_media')),
    sa.UniqueConstraint('item_version_id', 'name', name=op.f('uq_item_media_item_version_id_name'))
    )
    with op.batch_alter_table('item_media', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_media_item_version_id'), ['item_version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('item_media', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_media_item_version_id'))

    op.drop_table('item_media')
