"""the record of changes to centres, invigilation ratios and unit booking rules

Revision ID: setup_changes_0001
Revises: hardening_0001
Create Date: 2026-11-22 16:30:00.000000
"""

from alembic import op
import sqlalchemy as sa
import exam_engine.core.database


revision = 'setup_changes_0001'
down_revision = 'hardening_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('setup_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('changed_by', sa.String(length=80), nullable=False),
    sa.Column('changed_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_setup_changes'))
    )
    with op.batch_alter_table('setup_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_setup_changes_kind'), ['kind'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('setup_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_setup_changes_kind'))

    op.drop_table('setup_changes')
