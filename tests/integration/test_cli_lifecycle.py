"""`readside up` / `down` as a user runs them, on a second stack with its own ports and data folder."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.native.process import port_is_free
from tests.support.processes import processes_mentioning

pytestmark = pytest.mark.integration

# Below the kernel's ephemeral range (32768-60999), where a client socket could hold the port.
ALT_PORTS = {
    "POSTGRES": 21432,
    "KAFKA": 21092,
    "KAFKA_CONTROLLER": 21093,
    "CONNECT": 21083,
    "ELASTICSEARCH": 21200,
    "ELASTICSEARCH_TRANSPORT": 21300,
    "WRITE_API": 21001,
    "QUERY_API": 21002,
    "PIPELINE_METRICS": 21102,
    "PIPELINE_WEB": 21066,
    "CONSOLE": 21003,
}


@pytest.fixture
def alt_env(stack) -> Iterator[dict[str, str]]:
    # Not under pytest's tmp_path: pytest resets its root to 0700 whenever a session starts,
    # which would lock the service user out of a running stack's folders.
    data_dir = stack.settings.data / "test-stacks" / uuid.uuid4().hex[:8]
    env = {k: v for k, v in os.environ.items() if not k.startswith("READSIDE_")}
    env.update({f"READSIDE_{name}_PORT": str(port) for name, port in ALT_PORTS.items()})
    env.update(
        READSIDE_STACK="native",
        READSIDE_SEARCH_ENGINE=stack.settings.search_engine.value,  # the engine (and client) of this session
        READSIDE_DATA_DIR=str(data_dir),
        READSIDE_DIST_DIR=str(stack.settings.dist),  # reuse the downloads, not the data
        READSIDE_KAFKA_HEAP="256m",
        READSIDE_CONNECT_HEAP="512m",
        READSIDE_ELASTICSEARCH_HEAP="512m",
    )
    yield env
    readside(env, "down")  # a no-op when the test already stopped it
    shutil.rmtree(data_dir, ignore_errors=True)


def readside(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "infra.cli.main", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def assert_nothing_left(env: dict[str, str]) -> None:
    data_dir = env["READSIDE_DATA_DIR"]
    assert processes_mentioning(data_dir) == []
    assert [p for p in ALT_PORTS.values() if not port_is_free("127.0.0.1", p)] == []


def test_up_twice_is_harmless_and_down_leaves_nothing_running(alt_env):
    first = readside(alt_env, "up")
    assert first.returncode == 0, first.stderr
    report = json.loads(readside(alt_env, "status", "--json").stdout)
    assert {name: c["healthy"] for name, c in report["components"].items()} == {
        "postgres": True,
        "kafka": True,
        "elasticsearch": True,
        "connect": True,
    }
    assert report["connectors"]["postgres-source"]["state"] == "RUNNING"
    assert {name: s["healthy"] for name, s in report["services"].items()} == {
        "write-api": True,
        "query-api": True,
        "pipeline": True,
        "console": True,
    }
    token_file = Path(alt_env["READSIDE_DATA_DIR"]) / "secrets" / "write-api.token"
    assert report["write_token"] == f"file {token_file}" and token_file.stat().st_mode & 0o077 == 0
    pids = {name: c["pid"] for name, c in [*report["components"].items(), *report["services"].items()]}

    again = readside(alt_env, "up")
    assert again.returncode == 0, again.stderr
    report_again = json.loads(readside(alt_env, "status", "--json").stdout)
    assert {
        name: c["pid"] for name, c in [*report_again["components"].items(), *report_again["services"].items()]
    } == pids

    down = readside(alt_env, "down", "--purge")
    assert down.returncode == 0, down.stderr
    assert_nothing_left(alt_env)
    stopped = readside(alt_env, "status", "--json")
    assert stopped.returncode != 0
    assert not any(c["healthy"] for c in json.loads(stopped.stdout)["components"].values())
    assert not (Path(alt_env["READSIDE_DATA_DIR"]) / "postgres").exists()


def test_a_port_already_taken_is_named_and_nothing_starts(alt_env):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ALT_PORTS["KAFKA"]))
        squatter.listen()
        result = readside(alt_env, "up")
    assert result.returncode != 0
    assert f"port {ALT_PORTS['KAFKA']} (kafka)" in result.stderr and "READSIDE_KAFKA_PORT" in result.stderr
    assert "Traceback" not in result.stderr
    assert_nothing_left(alt_env)


def test_a_missing_java_is_named_and_nothing_starts(alt_env, tmp_path):
    result = readside({**alt_env, "READSIDE_JAVA_HOME": str(tmp_path / "no-jdk-here")}, "up")
    assert result.returncode != 0
    assert "no Java found" in result.stderr and "READSIDE_JAVA_HOME" in result.stderr
    assert "Traceback" not in result.stderr
    assert_nothing_left(alt_env)


def test_a_connector_file_with_a_syntax_error_is_named_and_nothing_starts(alt_env, tmp_path):
    broken = tmp_path / "connectors"
    broken.mkdir()
    (broken / "postgres-source.json").write_text('{"name": "postgres-source",\n "config": {"a": "b",}}\n')
    result = readside({**alt_env, "READSIDE_CONNECTORS_DIR": str(broken)}, "up")
    assert result.returncode != 0
    assert "postgres-source.json: invalid JSON at line 2" in " ".join(result.stderr.split())
    assert_nothing_left(alt_env)
