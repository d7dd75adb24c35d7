"""Early Notification register tables

One row per maternity Early Notification case beside its case_record row: its references
(MNSI reference, trust ODS code, the entry-criteria version) and the time to its liability
decision, in days from the notification and from the birth. No names, no dates of birth.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXED = ("mnsi_reference", "trust_code", "stage", "notified_on", "claim_ref")


def upgrade() -> None:
    op.create_table(
        "early_notification",
        sa.Column("ref", sa.String(length=60), nullable=False),
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("mnsi_reference", sa.String(length=60), nullable=False),
        sa.Column("trust_code", sa.String(length=60), nullable=False),
        sa.Column("criteria_version", sa.String(length=40), nullable=False),
        sa.Column("family_consent_required", sa.Boolean(), nullable=False),
        sa.Column("stage", sa.String(length=60), nullable=False),
        sa.Column("outcome", sa.String(length=60), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("liability_decided_on", sa.Date(), nullable=True),
        sa.Column("liability_admitted", sa.Boolean(), nullable=True),
        sa.Column("days_to_liability_decision", sa.Integer(), nullable=True),
        sa.Column("days_from_birth_to_liability_decision", sa.Integer(), nullable=True),
        sa.Column("liability_decision_target_on", sa.Date(), nullable=True),
        sa.Column("claim_ref", sa.String(length=40), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_early_notification")),
        sa.UniqueConstraint("workflow_id", name=op.f("uq_early_notification_workflow_id")),
    )
    for column in INDEXED:
        op.create_index(op.f(f"ix_early_notification_{column}"), "early_notification", [column])


def downgrade() -> None:
    for column in INDEXED:
        op.drop_index(op.f(f"ix_early_notification_{column}"), table_name="early_notification")
    op.drop_table("early_notification")
