"""Fixtures the API tests of more than one module share."""

from __future__ import annotations

import pytest

from tests.advice_paths import QUICK_ADVICE, SHORT_ADVICE, use_policy


@pytest.fixture
def advice(fairway):
    """This test's Fairway, opening advice cases under the quick advice policy."""
    use_policy(fairway, QUICK_ADVICE)
    return fairway


@pytest.fixture
def short_advice(fairway):
    """The same under the short policy: deadlines of seconds."""
    use_policy(fairway, SHORT_ADVICE)
    return fairway
