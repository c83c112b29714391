"""`readside slot reset`, the recovery status offers for a lost slot: a new slot and a new snapshot, after
which the stream goes on and every read model still equals Postgres."""

from __future__ import annotations

import subprocess
import sys

import pytest

from infra.secrets import postgres_password
from infra.slot import slot_report
from tests.support.pipeline import assert_verified

pytestmark = pytest.mark.e2e


def readside(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "infra.cli.main", *args], capture_output=True, text=True, timeout=300)


def test_it_asks_for_confirmation():
    refused = readside("slot", "reset")
    assert refused.returncode == 1 and "--yes" in refused.stderr


def test_a_reset_makes_a_new_slot_snapshots_again_and_loses_nothing(stack, shop):
    shop.add_product(name="Before the reset")
    result = readside("slot", "reset", "--yes")
    assert result.returncode == 0, result.stderr
    assert "dropped" in result.stderr and "RUNNING on a new slot" in result.stderr
    [slot] = slot_report(stack.settings, postgres_password(stack.settings))
    assert slot["exists"] and slot["level"] == "ok"
    assert_verified(180)  # waits for the pipeline to apply the snapshot, then compares every model
    after = shop.add_product(name="After the reset")  # the stream goes on from the new slot
    assert shop.get(f"/products/{after['id']}", after["consistency_token"]).status_code == 200
