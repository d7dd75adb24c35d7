"""Learning from claims: a claim's clinical coding and age band, its codes and its routes in
their own tables, the record of research extracts, and the indexes scorecards read by.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CLAIM_COLUMNS = (
    ("claimant_age_band", 10),
    ("taxonomy_version", 40),
    ("coded_specialty", 80),
    ("primary_cause", 80),
)
CLAIM_INDEXED = ("defendant_code", "opened_at", "closed_at", "coded_specialty", "primary_cause")


def upgrade() -> None:
    with op.batch_alter_table("claim") as batch_op:
        for name, length in CLAIM_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length), nullable=True))
        for name in CLAIM_INDEXED:
            batch_op.create_index(batch_op.f(f"ix_claim_{name}"), [name], unique=False)
    op.create_table(
        "claim_code",
        sa.Column("claim_ref", sa.String(length=40), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("claim_ref", "field", "code", name=op.f("pk_claim_code")),
    )
    op.create_index(op.f("ix_claim_code_code"), "claim_code", ["code"], unique=False)
    op.create_table(
        "claim_route",
        sa.Column("claim_ref", sa.String(length=40), nullable=False),
        sa.Column("route_ref", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("claim_ref", "route_ref", name=op.f("pk_claim_route")),
    )
    op.create_index(op.f("ix_claim_route_kind"), "claim_route", ["kind"], unique=False)
    op.create_table(
        "research_extract",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("taxonomy_version", sa.String(length=40), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_extract")),
        sa.UniqueConstraint("name", name=op.f("uq_research_extract_name")),
    )
    for name in ("requested_by", "requested_at"):
        op.create_index(op.f(f"ix_research_extract_{name}"), "research_extract", [name], unique=False)


def downgrade() -> None:
    op.drop_table("research_extract")
    op.drop_table("claim_route")
    op.drop_table("claim_code")
    with op.batch_alter_table("claim") as batch_op:
        for name in CLAIM_INDEXED:
            batch_op.drop_index(batch_op.f(f"ix_claim_{name}"))
        for name, _ in CLAIM_COLUMNS:
            batch_op.drop_column(name)
