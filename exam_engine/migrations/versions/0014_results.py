"""standard setting and results: studies with their judgements per round, released results,
incident reviews, special consideration, units achieved by portfolio, and candidates' Unique
Learner Numbers

Revision ID: results_0001
Revises: calibration_gate_0001
Create Date: 2026-12-06 19:40:19.059027
"""

import sqlalchemy as sa
from alembic import op

import exam_engine.core.database


revision = 'results_0001'
down_revision = 'calibration_gate_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('standard_studies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_reference', sa.String(length=16), nullable=False),
    sa.Column('method', sa.Enum('angoff', 'bookmark', name='standardmethod', native_enum=False, length=32), nullable=False),
    sa.Column('item_version_ids', sa.JSON(), nullable=False),
    sa.Column('booklet_theta', sa.JSON(), nullable=True),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=True),
    sa.Column('item_values', sa.JSON(), nullable=True),
    sa.Column('raw_cut', sa.Float(), nullable=True),
    sa.Column('theta_cut', sa.Float(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_standard_studies_decided_by_id_users')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_standard_studies_opened_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_studies'))
    )
    with op.batch_alter_table('standard_studies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standard_studies_unit_reference'), ['unit_reference'], unique=False)

    op.create_table('angoff_judgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('panellist_id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('recorded_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_angoff_judgements_item_version_id_item_versions')),
    sa.ForeignKeyConstraint(['panellist_id'], ['users.id'], name=op.f('fk_angoff_judgements_panellist_id_users')),
    sa.ForeignKeyConstraint(['study_id'], ['standard_studies.id'], name=op.f('fk_angoff_judgements_study_id_standard_studies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_angoff_judgements')),
    sa.UniqueConstraint('study_id', 'round', 'panellist_id', 'item_version_id', name=op.f('uq_angoff_judgements_study_id_round_panellist_id_item_version_id'))
    )
    with op.batch_alter_table('angoff_judgements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_angoff_judgements_study_id'), ['study_id'], unique=False)

    op.create_table('bookmark_placements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('panellist_id', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('recorded_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['panellist_id'], ['users.id'], name=op.f('fk_bookmark_placements_panellist_id_users')),
    sa.ForeignKeyConstraint(['study_id'], ['standard_studies.id'], name=op.f('fk_bookmark_placements_study_id_standard_studies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookmark_placements')),
    sa.UniqueConstraint('study_id', 'round', 'panellist_id', name=op.f('uq_bookmark_placements_study_id_round_panellist_id'))
    )
    with op.batch_alter_table('bookmark_placements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookmark_placements_study_id'), ['study_id'], unique=False)

    op.create_table('incident_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('finding', sa.Enum('no_effect', 'malpractice_found', name='incidentfinding', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_reviews_incident_id_incidents')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_incident_reviews_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_reviews')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_incident_reviews_incident_id'))
    )
    op.create_table('result_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('released_by_id', sa.Integer(), nullable=False),
    sa.Column('released_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_result_releases_attempt_id_attempts')),
    sa.ForeignKeyConstraint(['released_by_id'], ['users.id'], name=op.f('fk_result_releases_released_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_releases')),
    sa.UniqueConstraint('attempt_id', name=op.f('uq_result_releases_attempt_id'))
    )
    op.create_table('special_considerations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('requested', 'granted', 'refused', name='considerationstate', native_enum=False, length=32), nullable=False),
    sa.Column('adjustment_marks', sa.Integer(), nullable=False),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_special_considerations_attempt_id_attempts')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_special_considerations_decided_by_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_special_considerations_incident_id_incidents')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_special_considerations_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_special_considerations'))
    )
    with op.batch_alter_table('special_considerations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_special_considerations_attempt_id'), ['attempt_id'], unique=False)

    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uln', sa.String(length=10), nullable=True))

    op.create_table('portfolio_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('unit_reference', sa.String(length=20), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_portfolio_units_candidate_id_candidates')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_portfolio_units_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_units')),
    sa.UniqueConstraint('candidate_id', 'unit_reference', name=op.f('uq_portfolio_units_candidate_id_unit_reference'))
    )
    with op.batch_alter_table('portfolio_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_units_candidate_id'), ['candidate_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('portfolio_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_units_candidate_id'))

    op.drop_table('portfolio_units')
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_column('uln')

    with op.batch_alter_table('special_considerations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_special_considerations_attempt_id'))

    op.drop_table('special_considerations')
    op.drop_table('result_releases')
    op.drop_table('incident_reviews')
    with op.batch_alter_table('bookmark_placements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookmark_placements_study_id'))

    op.drop_table('bookmark_placements')
    with op.batch_alter_table('angoff_judgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_angoff_judgements_study_id'))

    op.drop_table('angoff_judgements')
    with op.batch_alter_table('standard_studies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_standard_studies_unit_reference'))

    op.drop_table('standard_studies')
