"""`readside demo --quick` as CI runs it: against the test stack, to the end, with 0 differences."""

from __future__ import annotations

import os
import subprocess
import sys
from enum import Enum

import pytest

from infra.settings import StackSettings

pytestmark = pytest.mark.e2e


def stack_environment(settings: StackSettings) -> dict[str, str]:
    """The session stack's settings as READSIDE_* variables, so the demo talks to the same servers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("READSIDE_")}
    for name, value in settings.model_dump().items():
        if value is not None:
            env[f"READSIDE_{name.upper()}"] = value.value if isinstance(value, Enum) else str(value)
    return env


def test_quick_demo_runs_to_the_end_and_finds_no_differences(stack):
    s = stack.settings
    # On a running, quiet stack the quick demo takes about 30 s; the bound leaves room for a slow CI machine.
    result = subprocess.run(
        [sys.executable, "-m", "infra.cli.main", "demo", "--quick"],
        env=stack_environment(s),
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout
    assert result.returncode == 0, f"{out[-4000:]}\n{result.stderr[-2000:]}"
    assert "0 differences" in out and "difference(s) remain" not in out
    for shown in (
        "seeded",
        "commands in",
        "GET /products/search",
        "X-Consistency-Token",
        "reflects the write",
        f"http://{s.host}:{s.write_api_port}/docs",
        f"http://{s.host}:{s.query_api_port}/docs",
    ):
        assert shown in out, shown
    assert "Traceback" not in result.stderr
