"""payment records and claim settlement details

Each payment on a claim is one row, keyed on the claim and the payment reference so a retried
activity writes it once. Offers, settlement details and court approvals live in the claim's
workflow state and reach the register through the claim's projection; they need no table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("claim_ref", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("payee", sa.String(length=30), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("court_approval_reference", sa.String(length=60), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("claim_ref", "reference", name="uq_payment_key"),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_claim_ref"), ["claim_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_paid_on"), ["paid_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_paid_on"))
        batch_op.drop_index(batch_op.f("ix_payment_kind"))
        batch_op.drop_index(batch_op.f("ix_payment_claim_ref"))

    op.drop_table("payment")
