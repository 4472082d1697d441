"""unknown item reports: barcodes no catalog item carries, for the supervisor

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('unknown_item_reports',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('scan_kind', sa.String(length=20), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('location_code', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('photo', sa.LargeBinary(), nullable=True),
    sa.Column('photo_type', sa.String(length=20), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('resolved_by', sa.String(length=80), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unknown_item_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unknown_item_reports_location_code'), ['location_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_unknown_item_reports_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_unknown_item_reports_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('unknown_item_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unknown_item_reports_user_id'))
        batch_op.drop_index(batch_op.f('ix_unknown_item_reports_status'))
        batch_op.drop_index(batch_op.f('ix_unknown_item_reports_location_code'))

    op.drop_table('unknown_item_reports')
