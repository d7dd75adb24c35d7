"""claim register and ledger

Revision ID: 0001
Revises:
Create Date: 2026-11-23 20:44:14.931937
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "claim",
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("workflow_id", sa.String(length=80), nullable=False),
        sa.Column("stage", sa.String(length=60), nullable=False),
        sa.Column("handler", sa.String(length=100), nullable=False),
        sa.Column("scheme", sa.String(length=30), nullable=False),
        sa.Column("claimant_firm_id", sa.String(length=60), nullable=True),
        sa.Column("claimant_firm_name", sa.String(length=200), nullable=True),
        sa.Column("defendant_code", sa.String(length=60), nullable=False),
        sa.Column("defendant_name", sa.String(length=200), nullable=False),
        sa.Column("specialty", sa.String(length=100), nullable=False),
        sa.Column("incident_date", sa.Date(), nullable=False),
        sa.Column("on_hold", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_claim")),
        sa.UniqueConstraint("workflow_id", name=op.f("uq_claim_workflow_id")),
    )
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_claimant_firm_id"), ["claimant_firm_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_handler"), ["handler"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_scheme"), ["scheme"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_stage"), ["stage"], unique=False)

    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_kind", sa.String(length=30), nullable=False),
        sa.Column("case_ref", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("actor_id", sa.String(length=100), nullable=False),
        sa.Column("actor_role", sa.String(length=30), nullable=False),
        sa.Column("request_id", sa.String(length=200), nullable=False),
        sa.Column("stage_before", sa.String(length=60), nullable=True),
        sa.Column("stage_after", sa.String(length=60), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
        sa.UniqueConstraint("case_ref", "request_id", name="uq_ledger_entry_case_ref_request_id"),
        sa.UniqueConstraint("case_ref", "seq", name="uq_ledger_entry_case_ref_seq"),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entry_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entry_case_ref"), ["case_ref"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entry_case_ref"))
        batch_op.drop_index(batch_op.f("ix_ledger_entry_actor_id"))

    op.drop_table("ledger_entry")
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_stage"))
        batch_op.drop_index(batch_op.f("ix_claim_scheme"))
        batch_op.drop_index(batch_op.f("ix_claim_handler"))
        batch_op.drop_index(batch_op.f("ix_claim_claimant_firm_id"))

    op.drop_table("claim")
