"""a hash-chained log per attempt, so candidates' writes do not queue behind the room; tests
planned at sign-in, so a room starting together finds its first items ready

Revision ID: attempt_logs_0001
Revises: second_factor_0001
Create Date: 2026-12-06 18:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import exam_engine.core.database

revision = 'attempt_logs_0001'
down_revision = 'second_factor_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attempt_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_attempt_events_attempt_id_attempts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_events')),
    sa.UniqueConstraint('attempt_id', 'sequence', name=op.f('uq_attempt_events_attempt_id_sequence'))
    )
    with op.batch_alter_table('attempt_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_events_attempt_id'), ['attempt_id'], unique=False)
    op.create_table('prepared_starts',
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('prepared_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_prepared_starts_sitting_id_sittings')),
    sa.PrimaryKeyConstraint('sitting_id', name=op.f('pk_prepared_starts'))
    )
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('log_length', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('log_head', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('anchor_sequence', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_table('prepared_starts')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('anchor_sequence')
        batch_op.drop_column('log_head')
        batch_op.drop_column('log_length')
    with op.batch_alter_table('attempt_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_events_attempt_id'))
    op.drop_table('attempt_events')
