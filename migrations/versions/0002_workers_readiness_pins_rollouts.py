"""workers, readiness, pins, rollouts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import control_plane.models.base


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('base_model_id', sa.Integer(), nullable=False),
    sa.Column('max_loras', sa.Integer(), nullable=False),
    sa.Column('max_cpu_loras', sa.Integer(), nullable=False),
    sa.Column('max_lora_rank', sa.Integer(), nullable=False),
    sa.Column('engine_version', sa.String(length=50), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('registered_at', control_plane.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_heartbeat_at', control_plane.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('table_etag', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['base_model_id'], ['base_models.id'], name=op.f('fk_workers_base_model_id_base_models')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workers')),
    sa.UniqueConstraint('name', name=op.f('uq_workers_name'))
    )
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workers_base_model_id'), ['base_model_id'], unique=False)

    op.create_table('rollouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('baseline_version', sa.Integer(), nullable=False),
    sa.Column('canary_version', sa.Integer(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('step_index', sa.Integer(), nullable=False),
    sa.Column('interval_seconds', sa.Double(), nullable=False),
    sa.Column('max_error_rate', sa.Double(), nullable=False),
    sa.Column('max_latency_ratio', sa.Double(), nullable=False),
    sa.Column('min_requests', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=2000), nullable=False),
    sa.Column('step_revision', sa.Integer(), nullable=True),
    sa.Column('window_started_at', control_plane.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('window_counters', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', control_plane.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', control_plane.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['route_id'], ['routes.id'], name=op.f('fk_rollouts_route_id_routes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollouts'))
    )
    with op.batch_alter_table('rollouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rollouts_route_id'), ['route_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rollouts_state'), ['state'], unique=False)

    op.create_table('worker_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('last_error', sa.String(length=2000), nullable=True),
    sa.Column('permanent', sa.Boolean(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', control_plane.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', control_plane.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('requests', sa.BigInteger(), nullable=False),
    sa.Column('errors', sa.BigInteger(), nullable=False),
    sa.Column('latency_seconds_sum', sa.Float(), nullable=False),
    sa.Column('prompt_tokens', sa.BigInteger(), nullable=False),
    sa.Column('completion_tokens', sa.BigInteger(), nullable=False),
    sa.Column('reported', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_worker_versions_version_id_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_worker_versions_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_versions')),
    sa.UniqueConstraint('worker_id', 'version_id', name=op.f('uq_worker_versions_worker_id_version_id'))
    )
    with op.batch_alter_table('worker_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_versions_version_id'), ['version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_versions_worker_id'), ['worker_id'], unique=False)

    with op.batch_alter_table('route_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ready_at', control_plane.models.base.UTCDateTime(timezone=True), nullable=True))
    # Revisions written before readiness existed were served at once: they count as ready.
    op.execute("UPDATE route_revisions SET ready_at = created_at")

    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pinned', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.drop_column('pinned')

    with op.batch_alter_table('route_revisions', schema=None) as batch_op:
        batch_op.drop_column('ready_at')

    with op.batch_alter_table('worker_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_versions_worker_id'))
        batch_op.drop_index(batch_op.f('ix_worker_versions_version_id'))

    op.drop_table('worker_versions')
    with op.batch_alter_table('rollouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rollouts_state'))
        batch_op.drop_index(batch_op.f('ix_rollouts_route_id'))

    op.drop_table('rollouts')
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workers_base_model_id'))

    op.drop_table('workers')
