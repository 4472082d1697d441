"""count sessions: freeze, snapshot and reconciliation lines

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('count_sessions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_by', sa.String(length=80), nullable=False),
    sa.Column('reconciled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('count_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_sessions_status'), ['status'], unique=False)

    op.create_table('count_expected',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('location_code', sa.String(length=64), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('qty', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['count_sessions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'location_code', 'ref', 'lot')
    )
    with op.batch_alter_table('count_expected', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_expected_session_id'), ['session_id'], unique=False)

    op.create_table('count_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('location_code', sa.String(length=64), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('expected', sa.Float(), nullable=False),
    sa.Column('moved_before_count', sa.Float(), nullable=False),
    sa.Column('moved_after_count', sa.Float(), nullable=False),
    sa.Column('counted', sa.Float(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('unit_value', sa.Float(), nullable=False),
    sa.Column('needs_approval', sa.Boolean(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recount_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_action_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['count_sessions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'location_code', 'ref', 'lot')
    )
    with op.batch_alter_table('count_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_lines_session_id'), ['session_id'], unique=False)

    op.create_table('count_session_locations',
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['count_sessions.id'], ),
    sa.PrimaryKeyConstraint('session_id', 'location_id')
    )


def downgrade() -> None:
    op.drop_table('count_session_locations')
    with op.batch_alter_table('count_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_count_lines_session_id'))

    op.drop_table('count_lines')
    with op.batch_alter_table('count_expected', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_count_expected_session_id'))

    op.drop_table('count_expected')
    with op.batch_alter_table('count_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_count_sessions_status'))

    op.drop_table('count_sessions')
