"""Practitioner Performance Advice register tables: none needed

Advice cases, interventions and exclusions are kit cases: each is a row of the generic
`case_record` table (0003), marked confidential, with its references and figures in `facts`
(organisation ODS code, professional register number, concern types, episodes, assessment,
interventions, exclusion periods and the right-to-return flag). This revision keeps its place
in the chain so a later advice table has somewhere to go.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 00:00:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # no advice-only tables: see the module docstring


def downgrade() -> None:
    pass
