"""Search attributes every case carries in Temporal visibility.

Visibility data is stored in plain text: these carry references only, never names, dates of
birth or clinical details.
"""

from temporalio.common import SearchAttributeKey

CASE_KIND = SearchAttributeKey.for_keyword("CaseKind")
STAGE = SearchAttributeKey.for_keyword("Stage")
HANDLER = SearchAttributeKey.for_keyword("Handler")
SCHEME = SearchAttributeKey.for_keyword("Scheme")
CLAIMANT_FIRM = SearchAttributeKey.for_keyword("ClaimantFirm")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
OVERDUE = SearchAttributeKey.for_bool("Overdue")

ALL = [CASE_KIND, STAGE, HANDLER, SCHEME, CLAIMANT_FIRM, NEXT_DEADLINE, OVERDUE]
