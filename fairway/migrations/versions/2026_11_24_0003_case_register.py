"""the generic case register (routes, summits, Early Notification, advice)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claim") as batch_op:
        batch_op.add_column(sa.Column("active_routes", sa.String(length=120), nullable=True))
        batch_op.create_index(batch_op.f("ix_claim_active_routes"), ["active_routes"], unique=False)
    op.create_table(
        "case_record",
        sa.Column("ref", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("parent_ref", sa.String(length=60), nullable=True),
        sa.Column("stage", sa.String(length=60), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("team", sa.String(length=60), nullable=False),
        sa.Column("confidential", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("outcome", sa.String(length=60), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_case_record")),
        sa.UniqueConstraint("workflow_id", name=op.f("uq_case_record_workflow_id")),
    )
    for column in (
        "kind",
        "parent_ref",
        "stage",
        "owner",
        "team",
        "confidential",
        "next_deadline_at",
        "overdue",
    ):
        op.create_index(op.f(f"ix_case_record_{column}"), "case_record", [column])


def downgrade() -> None:
    op.drop_table("case_record")
    with op.batch_alter_table("claim") as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_active_routes"))
        batch_op.drop_column("active_routes")
