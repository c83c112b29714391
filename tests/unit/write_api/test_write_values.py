"""Value rules the edge applies before anything reaches SQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.write_api.domain.values import (
    check_country,
    check_email,
    check_label,
    check_prose,
    check_sku,
    format_money,
    parse_money,
)


@pytest.mark.parametrize(
    "given, amount",
    [
        ("19.90", "19.90"),
        ("19.9", "19.90"),
        ("19", "19.00"),
        (19, "19.00"),
        (19.9, "19.90"),
        (0.1, "0.10"),
        ("0", "0.00"),
        (-0.0, "0.00"),
        ("9999999999.99", "9999999999.99"),
        (Decimal("1.500"), "1.50"),
    ],
)
def test_money_accepted(given, amount):
    assert format_money(parse_money(given)) == amount


@pytest.mark.parametrize(
    "given, reason",
    [
        ("19.999", "two decimals"),
        (19.999, "two decimal places"),
        (0.1 + 0.2, "two decimal"),
        ("1e3", "two decimals"),
        ("NaN", "two decimals"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        ("-1.00", "negative"),
        (-1, "negative"),
        ("10000000000.00", "at most"),
        (1e300, "at most"),
        (True, "decimal amount"),
        ("", "two decimals"),
        (" 1.00", "two decimals"),
        (None, "decimal amount"),
        ([1], "decimal amount"),
    ],
)
def test_money_refused(given, reason):
    with pytest.raises(ValueError, match=reason):
        parse_money(given)


@pytest.mark.parametrize("email", ["ada@example.com", "a.b+tag@sub.example.co.uk", "O'Brien@example.ie"])
def test_email_accepted(email):
    assert check_email(email) == email


@pytest.mark.parametrize(
    "email",
    [
        "",
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "a da@example.com",
        "ada@@example.com",
        "ada@-x.com",
        "ada@example.com\n",
        "x" * 65 + "@example.com",
        "ada@" + "a" * 250 + ".com",
    ],
)
def test_email_refused(email):
    with pytest.raises(ValueError):
        check_email(email)


@pytest.mark.parametrize(
    "country, ok", [("DE", True), ("de", False), ("DEU", False), ("D", False), ("D1", False), ("ÄB", False)]
)
def test_country_is_two_uppercase_letters(country, ok):
    if ok:
        assert check_country(country) == country
    else:
        with pytest.raises(ValueError, match="ISO-3166"):
            check_country(country)


@pytest.mark.parametrize(
    "sku, ok",
    [("SKU-00001", True), ("a.b_c/d", True), ("-x", False), ("has space", False), ("x" * 65, False), ("", False)],
)
def test_sku_format(sku, ok):
    if ok:
        assert check_sku(sku) == sku
    else:
        with pytest.raises(ValueError):
            check_sku(sku)


def test_labels_are_stored_verbatim_even_when_they_look_like_sql():
    name = "Robert'); DROP TABLE customers;-- \u00e9\u4e2d"
    assert check_label(name) == name


@pytest.mark.parametrize(
    "label, reason",
    [("   ", "blank"), ("a\x00b", "NUL"), ("a\nb", "single line"), ("\ud800", "surrogate"), ("a\x1bb", "single line")],
)
def test_labels_refused(label, reason):
    with pytest.raises(ValueError, match=reason):
        check_label(label)


def test_prose_allows_line_breaks_but_not_other_controls():
    assert check_prose("line one\nline two\ttab") == "line one\nline two\ttab"
    with pytest.raises(ValueError):
        check_prose("bell\x07")
