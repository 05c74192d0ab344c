"""safe exam browser: the units and centres that require it, each session's SEB file and Config Key,
and each sitting's last browser check

Revision ID: safe_exam_browser_0001
Revises: adaptive_service_0001
Create Date: 2026-12-07 01:31:31.887461
"""

import sqlalchemy as sa
from alembic import op

import exam_engine.core.database

revision = 'safe_exam_browser_0001'
down_revision = 'adaptive_service_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('unit_lockdown_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_reference', sa.String(length=20), nullable=False),
    sa.Column('safe_exam_browser_required', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_lockdown_rules')),
    sa.UniqueConstraint('unit_reference', name=op.f('uq_unit_lockdown_rules_unit_reference'))
    )
    op.create_table('session_lockdowns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('seb_file', sa.Text(), nullable=False),
    sa.Column('config_key', sa.String(length=64), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=False),
    sa.Column('made_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('browser_exam_keys', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['made_by_id'], ['users.id'], name=op.f('fk_session_lockdowns_made_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['test_sessions.id'], name=op.f('fk_session_lockdowns_session_id_test_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_lockdowns')),
    sa.UniqueConstraint('session_id', name=op.f('uq_session_lockdowns_session_id'))
    )
    with op.batch_alter_table('centres', schema=None) as batch_op:
        batch_op.add_column(sa.Column('safe_exam_browser_required', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('browser_check', sa.Enum('passed', 'not_safe_exam_browser', 'wrong_configuration', 'unapproved_browser', 'no_configuration', name='verdict', native_enum=False, length=40), nullable=True))
        batch_op.add_column(sa.Column('browser_checked_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.drop_column('browser_checked_at')
        batch_op.drop_column('browser_check')

    with op.batch_alter_table('centres', schema=None) as batch_op:
        batch_op.drop_column('safe_exam_browser_required')

    op.drop_table('session_lockdowns')
    op.drop_table('unit_lockdown_rules')
