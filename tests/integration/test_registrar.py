"""The registrar against the real Connect: Connect's own error on a bad config, and nothing left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import httpx
import pytest

from infra.registrar import load_connector_file
from infra.settings import CONNECTORS_DIR

pytestmark = pytest.mark.integration


def test_a_config_connect_rejects_prints_connects_error_and_registers_nothing(stack, tmp_path):
    base = load_connector_file(CONNECTORS_DIR / "postgres-source.json")
    name = f"rejected-{uuid.uuid4().hex[:6]}"
    bad = {**base.config, "plugin.name": "no-such-decoder", "slot.name": f"rejected_{uuid.uuid4().hex[:6]}"}
    (tmp_path / "bad.json").write_text(json.dumps({"name": name, "config": bad}))
    result = subprocess.run(
        [sys.executable, "-m", "infra.cli.main", "connectors", "apply", "--dir", str(tmp_path)],
        env={**os.environ, "READSIDE_CONNECT_PORT": str(stack.settings.connect_port)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "Kafka Connect rejected bad.json (1 invalid setting(s))" in message
    assert "plugin.name: " in message  # Connect's own validation message, passed through
    assert httpx.get(f"{stack.connect_url}/connectors/{name}").status_code == 404


def test_reapplying_the_shipped_connectors_is_idempotent(stack):
    result = subprocess.run(
        [sys.executable, "-m", "infra.cli.main", "connectors", "apply"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "postgres-source: RUNNING" in result.stderr
