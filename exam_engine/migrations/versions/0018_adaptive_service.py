"""adaptive service: the platforms that may call it, their sections and the sessions' results

Revision ID: adaptive_service_0001
Revises: item_media_0001
Create Date: 2026-12-07 01:29:44.730803
"""

import sqlalchemy as sa
from alembic import op

import exam_engine.core.database


revision = 'adaptive_service_0001'
down_revision = 'item_media_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('secret_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_clients')),
    sa.UniqueConstraint('client_id', name=op.f('uq_service_clients_client_id'))
    )
    op.create_table('service_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=40), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('unit_reference', sa.String(length=16), nullable=False),
    sa.Column('created_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['service_clients.id'], name=op.f('fk_service_sections_client_id_service_clients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_sections')),
    sa.UniqueConstraint('identifier', name=op.f('uq_service_sections_identifier'))
    )
    with op.batch_alter_table('service_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_sections_client_id'), ['client_id'], unique=False)

    op.create_table('service_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=40), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('unit_reference', sa.String(length=16), nullable=False),
    sa.Column('results_accepted', sa.Integer(), nullable=False),
    sa.Column('created_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', exam_engine.core.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('score', sa.JSON(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=True),
    sa.Column('record', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['section_id'], ['service_sections.id'], name=op.f('fk_service_sessions_section_id_service_sections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_sessions')),
    sa.UniqueConstraint('identifier', name=op.f('uq_service_sessions_identifier'))
    )
    with op.batch_alter_table('service_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_sessions_section_id'), ['section_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_sessions_unit_reference'), ['unit_reference'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('service_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_sessions_unit_reference'))
        batch_op.drop_index(batch_op.f('ix_service_sessions_section_id'))

    op.drop_table('service_sessions')
    with op.batch_alter_table('service_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_sections_client_id'))

    op.drop_table('service_sections')
    op.drop_table('service_clients')
