"""Unit tests read no READSIDE_* variable from the invoking shell or from the test session's own stack."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def no_readside_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("READSIDE_")]:
        monkeypatch.delenv(name)
