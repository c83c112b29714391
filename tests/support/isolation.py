"""The test session's own native stack: its own data folder and ports, so a stack the user runs (the demo's
shop, on the default ports and in .readside/) keeps only what the user put there. The downloads are shared.

Applied when the tests would start a native stack and the user has not chosen a data folder: setting
READSIDE_DATA_DIR (and ports), or READSIDE_STACK=external, points the tests at another stack on purpose.
"""

from __future__ import annotations

import os

from infra.settings import PROJECT_ROOT

# Below the kernel's ephemeral range (32768-60999), apart from the defaults and the lifecycle test's second stack.
TEST_PORTS = {
    "POSTGRES": 20432,
    "KAFKA": 20092,
    "KAFKA_CONTROLLER": 20093,
    "CONNECT": 20083,
    "ELASTICSEARCH": 20200,
    "ELASTICSEARCH_TRANSPORT": 20300,
    "WRITE_API": 20001,
    "QUERY_API": 20002,
    "PIPELINE_METRICS": 20102,
    "PIPELINE_WEB": 20066,
    "CONSOLE": 20003,
}


def isolated_environment(environ: dict[str, str]) -> dict[str, str]:
    """The variables to add to `environ` (pure): none when it already says where the tests' stack is."""
    if environ.get("READSIDE_STACK", "native") != "native" or "READSIDE_DATA_DIR" in environ:
        return {}
    added = {f"READSIDE_{name}_PORT": str(port) for name, port in TEST_PORTS.items()}
    # Another search engine or a cluster keeps its own data: nothing to inherit from the default session's.
    engine, nodes = environ.get("READSIDE_SEARCH_ENGINE", "elasticsearch"), environ.get("READSIDE_ES_NODES", "1")
    workers, partitions = environ.get("READSIDE_WORKERS", "1"), environ.get("READSIDE_TOPIC_PARTITIONS", "2")
    suffix = ("" if engine == "elasticsearch" else f"-{engine}") + ("" if nodes == "1" else f"-es{nodes}")
    suffix += ("" if workers == "1" else f"-w{workers}") + ("" if partitions == "2" else f"-p{partitions}")
    added["READSIDE_DATA_DIR"] = str(PROJECT_ROOT / f".readside-test{suffix}")
    added["READSIDE_DIST_DIR"] = environ.get("READSIDE_DIST_DIR", str(PROJECT_ROOT / ".readside" / "dist"))
    return {name: value for name, value in added.items() if name not in environ}


def isolate_test_stack() -> None:
    os.environ.update(isolated_environment(dict(os.environ)))
