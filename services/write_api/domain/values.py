"""Value rules shared by the edge and the model: money, email, country, sku, text, integer ranges.

Each `parse_*`/`check_*` function returns the clean value or raises ValueError with a reason a
person can act on; pydantic turns those into 422s at the edge.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Column types in schemas/migrations: ids are bigint, quantities and stock integer,
# money numeric(12,2). Values outside these are refused before they reach SQL.
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1
MONEY_MAX = Decimal("9999999999.99")
CENT = Decimal("0.01")

_MONEY_TEXT = re.compile(r"-?\d{1,20}(\.\d{1,2})?")
_COUNTRY = re.compile(r"[A-Z]{2}")
_SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
# Deliberately loose (no dependency on email-validator): one @, no spaces or controls,
# a dotted domain of LDH labels. Deliverability is not the write side's business.
_EMAIL = re.compile(
    r"[^@\s\x00-\x1f\x7f]{1,64}@"
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"[\t\n\r]")


def parse_money(value: object) -> Decimal:
    """A non-negative amount with at most two decimals: "19.90", 19.9 or 19 (bools refused)."""
    if isinstance(value, bool):
        raise ValueError('must be a decimal amount such as "19.90"')
    if isinstance(value, str):
        if not _MONEY_TEXT.fullmatch(value):
            raise ValueError('must be a decimal amount with at most two decimals, such as "19.90"')
        amount = Decimal(value)
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        # repr() gives the shortest text that round-trips, so 19.9 stays 19.9, not 19.899…
        try:
            amount = Decimal(repr(value))
        except InvalidOperation:
            raise ValueError("must be a finite decimal amount") from None
        if not amount.is_finite():
            raise ValueError("must be a finite decimal amount")
    elif isinstance(value, Decimal):
        amount = value
    else:
        raise ValueError('must be a decimal amount such as "19.90"')
    if not amount.is_finite():
        raise ValueError("must be a finite decimal amount")
    if amount < 0:
        raise ValueError("must not be negative")
    # Range before scale: quantizing 1e30 to cents would overflow the decimal context.
    if amount > MONEY_MAX:
        raise ValueError(f"must be at most {MONEY_MAX}")
    if amount != amount.quantize(CENT):
        raise ValueError("must have at most two decimal places")
    return amount.quantize(CENT).copy_abs()  # copy_abs: -0.0 is stored as 0.00


def format_money(amount: Decimal) -> str:
    """The wire form of money: a string with exactly two decimals."""
    return str(amount.quantize(CENT))


def check_email(value: str) -> str:
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError("must be an email address such as ada@example.com")
    return value


def check_country(value: str) -> str:
    if not _COUNTRY.fullmatch(value):
        raise ValueError("must be an ISO-3166 alpha-2 code: two uppercase letters, such as DE")
    return value


def check_sku(value: str) -> str:
    if not _SKU.fullmatch(value):
        raise ValueError("must be 1-64 letters, digits or . _ / -, starting with a letter or digit")
    return value


def check_storable(value: str) -> str:
    """Text PostgreSQL can store as given: UTF-8 encodable and free of NUL."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogates)") from None
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def check_label(value: str) -> str:
    """A one-line human label (name, category): storable, not blank, no control characters."""
    check_storable(value)
    if _CONTROL.search(value) or _LINE_BREAKS.search(value):
        raise ValueError("must be a single line without control characters")
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def check_prose(value: str) -> str:
    """Free text (description): storable; line breaks and tabs allowed, other controls not."""
    check_storable(value)
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters other than line breaks and tabs")
    return value
