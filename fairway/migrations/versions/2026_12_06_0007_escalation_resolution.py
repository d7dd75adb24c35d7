"""Escalations show the present: their deadline's status and date now, and when meeting,
waiving or extending the deadline resolved them (apart from those a person acknowledged).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalation") as batch_op:
        batch_op.add_column(sa.Column("deadline_status", sa.String(20), nullable=True))
        batch_op.add_column(sa.Column("deadline_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolution", sa.String(200), nullable=True))
        batch_op.create_index(batch_op.f("ix_escalation_resolved_at"), ["resolved_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("escalation") as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_resolved_at"))
        for column in ("resolution", "resolved_at", "deadline_due_on", "deadline_status"):
            batch_op.drop_column(column)
