"""deadlines, escalations and the notifications outbox

The claim row gains the team its escalations go to, its next deadline and an overdue flag;
the escalation table keeps one row per ladder step per deadline revision, and the
notification table is the outbox the worker's dispatcher sends from.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 21:12:39.281921
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_kind", sa.String(length=30), nullable=False),
        sa.Column("case_ref", sa.String(length=40), nullable=False),
        sa.Column("workflow_id", sa.String(length=80), nullable=False),
        sa.Column("team", sa.String(length=60), nullable=False),
        sa.Column("deadline", sa.String(length=80), nullable=False),
        sa.Column("deadline_title", sa.String(length=200), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("acknowledgment_comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation")),
        sa.UniqueConstraint("case_ref", "deadline", "revision", "step", name="uq_escalation_key"),
    )
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_acknowledged_at"), ["acknowledged_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalation_case_ref"), ["case_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalation_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalation_step"), ["step"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalation_team"), ["team"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_ref", sa.String(length=40), nullable=False),
        sa.Column("deadline", sa.String(length=80), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=20), server_default="email", nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint(
            "case_ref", "deadline", "revision", "step", "recipient", name="uq_notification_key"
        ),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_case_ref"), ["case_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_sent_at"), ["sent_at"], unique=False)

    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("next_deadline_at", sa.DateTime(timezone=True), nullable=True))
        # Existing rows get false from the server default; sa.false() renders per dialect.
        batch_op.add_column(sa.Column("overdue", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(batch_op.f("ix_claim_next_deadline_at"), ["next_deadline_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_overdue"), ["overdue"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_team"), ["team"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_team"))
        batch_op.drop_index(batch_op.f("ix_claim_overdue"))
        batch_op.drop_index(batch_op.f("ix_claim_next_deadline_at"))
        batch_op.drop_column("version")
        batch_op.drop_column("overdue")
        batch_op.drop_column("next_deadline_at")
        batch_op.drop_column("team")

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_sent_at"))
        batch_op.drop_index(batch_op.f("ix_notification_case_ref"))

    op.drop_table("notification")
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_team"))
        batch_op.drop_index(batch_op.f("ix_escalation_step"))
        batch_op.drop_index(batch_op.f("ix_escalation_created_at"))
        batch_op.drop_index(batch_op.f("ix_escalation_case_ref"))
        batch_op.drop_index(batch_op.f("ix_escalation_acknowledged_at"))

    op.drop_table("escalation")
