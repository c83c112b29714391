"""Money as the API shows it: two decimal places, from an amount or from cents."""

from __future__ import annotations

import pytest

from services.query_api.domain.money import money_text


@pytest.mark.parametrize(
    "amount,cents,text",
    [
        ("19.9", None, "19.90"),
        ("0", None, "0.00"),
        (None, 3980, "39.80"),
        (None, "5", "0.05"),
        ("abc", 100, None),
        (None, None, None),
        ("NaN", None, None),
        ("Infinity", None, None),
        (None, True, None),
        (None, 1.5, None),
    ],
)
def test_money_text(amount, cents, text):
    assert money_text(amount, cents) == text
