"""Money as the API shows it: a decimal string with two places, read from a document field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")


def money_text(amount: object, cents: object = None) -> str | None:
    """ "19.9" → "19.90"; without `amount`, from integer `cents`; None when neither is usable."""
    try:
        if amount is not None:
            value = Decimal(str(amount))
        elif cents is not None and not isinstance(cents, (bool, float)):
            value = Decimal(int(str(cents))) / 100
        else:
            return None
    except (InvalidOperation, ValueError, TypeError):
        return None
    return str(value.quantize(CENT)) if value.is_finite() else None
