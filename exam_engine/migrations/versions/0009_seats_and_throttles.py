"""per-candidate sign-in codes, the browser that holds each seat, kinds of alert, throttle events

Revision ID: seats_and_throttles_0001
Revises: setup_changes_0001
Create Date: 2026-12-06 16:00:00.000000
"""

import secrets

import sqlalchemy as sa
from alembic import op

import exam_engine.core.database

revision = 'seats_and_throttles_0001'
down_revision = 'setup_changes_0001'
branch_labels = None
depends_on = None

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def upgrade() -> None:
    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_in_code', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('seat_token_hash', sa.String(length=64), nullable=True))
    sittings = sa.table('sittings', sa.column('id', sa.Integer), sa.column('sign_in_code', sa.String))
    connection = op.get_bind()
    for (sitting_id,) in connection.execute(sa.select(sittings.c.id)).all():
        code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        connection.execute(sittings.update().where(sittings.c.id == sitting_id).values(sign_in_code=code))
    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.alter_column('sign_in_code', existing_type=sa.String(length=12), nullable=False)

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('candidate', 'sign_in', name='alertkind', native_enum=False,
                                                      length=20), nullable=False, server_default='candidate'))

    op.create_table('throttle_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_throttle_events'))
    )
    with op.batch_alter_table('throttle_events', schema=None) as batch_op:
        batch_op.create_index('ix_throttle_events_bucket_key_at', ['bucket', 'key', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('throttle_events', schema=None) as batch_op:
        batch_op.drop_index('ix_throttle_events_bucket_key_at')
    op.drop_table('throttle_events')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.drop_column('seat_token_hash')
        batch_op.drop_column('sign_in_code')
