"""Request fingerprints: same meaning, same fingerprint; anything else differs."""

from __future__ import annotations

from decimal import Decimal

from services.write_api.domain.commands import AddProduct, OrderItem, PayOrder, PlaceOrder, ShipOrder
from services.write_api.service_layer.idempotency import fingerprint


def test_equal_commands_share_a_fingerprint():
    a = AddProduct("S1", "Teapot", "kitchen", Decimal("19.90"))
    b = AddProduct("S1", "Teapot", "kitchen", Decimal("19.90"), description="", initial_stock=0)
    assert fingerprint(a) == fingerprint(b)


def test_any_difference_changes_the_fingerprint():
    base = PlaceOrder(1, (OrderItem(2, 1),))
    assert fingerprint(base) != fingerprint(PlaceOrder(1, (OrderItem(2, 2),)))
    assert fingerprint(base) != fingerprint(PlaceOrder(1, (OrderItem(2, 1), OrderItem(2, 1))))
    assert fingerprint(PayOrder(5)) != fingerprint(ShipOrder(5))


def test_fingerprint_does_not_contain_the_request():
    value = fingerprint(AddProduct("S1", "Secret name", "kitchen", Decimal("1.00")))
    assert len(value) == 64 and "Secret" not in value
