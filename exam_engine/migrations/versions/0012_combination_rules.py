"""rules of combination beyond the groups (credits from several groups or at a level, barred
combinations, requirements a document leaves unstated) and the other codes documents use for units

Revision ID: combination_rules_0001
Revises: attempt_logs_0001
Create Date: 2026-12-06 18:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 'combination_rules_0001'
down_revision = 'attempt_logs_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('combination_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('qualification_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('min_credits', sa.Integer(), nullable=True),
    sa.Column('min_level', sa.Integer(), nullable=True),
    sa.Column('max_level', sa.Integer(), nullable=True),
    sa.Column('group_names', sa.Text(), nullable=False),
    sa.Column('unit_references', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['qualification_id'], ['qualifications.id'],
                            name=op.f('fk_combination_rules_qualification_id_qualifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_combination_rules'))
    )
    with op.batch_alter_table('combination_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_combination_rules_qualification_id'), ['qualification_id'], unique=False)
    op.create_table('unit_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('qualification_id', sa.Integer(), nullable=False),
    sa.Column('unit_reference', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['qualification_id'], ['qualifications.id'],
                            name=op.f('fk_unit_codes_qualification_id_qualifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_codes')),
    sa.UniqueConstraint('qualification_id', 'code', name=op.f('uq_unit_codes_qualification_id_code'))
    )
    with op.batch_alter_table('unit_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_codes_qualification_id'), ['qualification_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('unit_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_codes_qualification_id'))
    op.drop_table('unit_codes')
    with op.batch_alter_table('combination_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_combination_rules_qualification_id'))
    op.drop_table('combination_rules')
