"""The qualification taxonomy: qualifications, unit groups, units and their versions, LOs, ACs, amplification.

Revision ID: 0002_taxonomy
Revises: 0001_accounts
Create Date: 2026-11-22 13:18:20.887247
"""

from alembic import op
import sqlalchemy as sa
import exam_engine.core.database


revision = '0002_taxonomy'
down_revision = '0001_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('qualifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('awarding_body', sa.String(length=120), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('total_credits', sa.Integer(), nullable=True),
    sa.Column('source_document', sa.String(length=255), nullable=False),
    sa.Column('imported_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualifications')),
    sa.UniqueConstraint('number', name=op.f('uq_qualifications_number'))
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('reference', name=op.f('uq_units_reference'))
    )
    op.create_table('unit_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('qualification_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('mandatory', sa.Boolean(), nullable=False),
    sa.Column('min_credits', sa.Integer(), nullable=True),
    sa.Column('max_credits', sa.Integer(), nullable=True),
    sa.Column('unit_references', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['qualification_id'], ['qualifications.id'], name=op.f('fk_unit_groups_qualification_id_qualifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_groups'))
    )
    with op.batch_alter_table('unit_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_groups_qualification_id'), ['qualification_id'], unique=False)

    op.create_table('unit_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('qualification_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('credit', sa.Integer(), nullable=True),
    sa.Column('glh', sa.Integer(), nullable=True),
    sa.Column('unit_type', sa.String(length=20), nullable=True),
    sa.Column('test_minutes', sa.Integer(), nullable=True),
    sa.Column('test_marks', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['qualification_id'], ['qualifications.id'], name=op.f('fk_unit_versions_qualification_id_qualifications')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_versions_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_versions')),
    sa.UniqueConstraint('unit_id', 'number', name=op.f('uq_unit_versions_unit_id_number'))
    )
    with op.batch_alter_table('unit_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_versions_qualification_id'), ['qualification_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_versions_unit_id'), ['unit_id'], unique=False)

    op.create_table('learning_outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['unit_version_id'], ['unit_versions.id'], name=op.f('fk_learning_outcomes_unit_version_id_unit_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_outcomes')),
    sa.UniqueConstraint('unit_version_id', 'number', name=op.f('uq_learning_outcomes_unit_version_id_number'))
    )
    with op.batch_alter_table('learning_outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_outcomes_unit_version_id'), ['unit_version_id'], unique=False)

    op.create_table('assessment_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learning_outcome_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['learning_outcome_id'], ['learning_outcomes.id'], name=op.f('fk_assessment_criteria_learning_outcome_id_learning_outcomes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_criteria')),
    sa.UniqueConstraint('learning_outcome_id', 'number', name=op.f('uq_assessment_criteria_learning_outcome_id_number'))
    )
    with op.batch_alter_table('assessment_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_criteria_learning_outcome_id'), ['learning_outcome_id'], unique=False)

    op.create_table('amplification_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['assessment_criteria.id'], name=op.f('fk_amplification_points_criterion_id_assessment_criteria'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['amplification_points.id'], name=op.f('fk_amplification_points_parent_id_amplification_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amplification_points')),
    sa.UniqueConstraint('criterion_id', 'path', name=op.f('uq_amplification_points_criterion_id_path'))
    )
    with op.batch_alter_table('amplification_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amplification_points_criterion_id'), ['criterion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_amplification_points_parent_id'), ['parent_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('amplification_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amplification_points_parent_id'))
        batch_op.drop_index(batch_op.f('ix_amplification_points_criterion_id'))

    op.drop_table('amplification_points')
    with op.batch_alter_table('assessment_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_criteria_learning_outcome_id'))

    op.drop_table('assessment_criteria')
    with op.batch_alter_table('learning_outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_outcomes_unit_version_id'))

    op.drop_table('learning_outcomes')
    with op.batch_alter_table('unit_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_versions_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_versions_qualification_id'))

    op.drop_table('unit_versions')
    with op.batch_alter_table('unit_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_groups_qualification_id'))

    op.drop_table('unit_groups')
    op.drop_table('units')
    op.drop_table('qualifications')

