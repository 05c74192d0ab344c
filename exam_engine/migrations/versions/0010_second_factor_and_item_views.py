"""staff accounts' second factor (TOTP), and the record of who viewed which live item

Revision ID: second_factor_0001
Revises: seats_and_throttles_0001
Create Date: 2026-12-06 17:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import exam_engine.core.database

revision = 'second_factor_0001'
down_revision = 'seats_and_throttles_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enrolled_at', exam_engine.core.database.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))

    op.create_table('item_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('viewed_by', sa.String(length=80), nullable=False),
    sa.Column('viewed_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('page', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'],
                            name=op.f('fk_item_views_item_version_id_item_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_views'))
    )
    with op.batch_alter_table('item_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_views_item_version_id'), ['item_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_views_viewed_by'), ['viewed_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_views_viewed_at'), ['viewed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('item_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_views_viewed_at'))
        batch_op.drop_index(batch_op.f('ix_item_views_viewed_by'))
        batch_op.drop_index(batch_op.f('ix_item_views_item_version_id'))
    op.drop_table('item_views')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enrolled_at')
        batch_op.drop_column('totp_secret')
