"""Health probes for each server, the same for the native, docker and external stacks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import httpx
import psycopg

from infra.native.process import port_is_open
from infra.settings import StackSettings


@dataclass
class Health:
    healthy: bool
    url: str
    version: str | None = None
    pid: int | None = None
    detail: str = ""
    restarts: int = 0  # by its supervisor, since `readside up` started it
    last_exit: str = ""  # the last crash, e.g. "SIGKILL after 312.0 s at 03:12:04"

    def as_dict(self) -> dict:
        return asdict(self)


def _shown(row: tuple[Any, ...] | None) -> Any:
    assert row is not None  # SHOW answers one row
    return row[0]


def probe_postgres(settings: StackSettings, password: str) -> Health:
    url = f"postgresql://{settings.host}:{settings.postgres_port}/{settings.postgres_db}"
    try:
        with psycopg.connect(settings.postgres_dsn(password), connect_timeout=2) as conn:
            version = _shown(conn.execute("SHOW server_version").fetchone())
            wal_level = _shown(conn.execute("SHOW wal_level").fetchone())
    except psycopg.Error as exc:
        return Health(False, url, detail=str(exc).strip().splitlines()[0] if str(exc) else repr(exc))
    if wal_level != "logical":
        return Health(False, url, version, detail=f"wal_level is {wal_level}, Debezium needs logical")
    return Health(True, url, version.split()[0], detail="wal_level=logical")


def probe_kafka(settings: StackSettings) -> Health:
    from aiokafka.admin import AIOKafkaAdminClient

    url = f"kafka://{settings.kafka_bootstrap}"
    if not port_is_open(settings.host, settings.kafka_port):
        return Health(False, url, detail="not listening")
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # a failed probe is reported, not logged

    async def describe() -> str:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, request_timeout_ms=3000)
        await admin.start()
        try:
            cluster = await admin.describe_cluster()
            return f"cluster {cluster['cluster_id']}, {len(cluster['brokers'])} broker(s)"
        finally:
            await admin.close()

    try:
        detail = asyncio.run(asyncio.wait_for(describe(), 5))
    except Exception as exc:  # aiokafka raises many kinds; any of them means "not reachable"
        return Health(False, url, detail=f"{type(exc).__name__}: {exc}")
    return Health(True, url, detail=detail)


def _http_json(url: str) -> Any:
    """The decoded JSON answer: an object or a list, as the endpoint documents."""
    response = httpx.get(url, timeout=3)
    response.raise_for_status()
    return response.json()


def probe_connect(settings: StackSettings) -> Health:
    url = settings.connect_url
    try:
        root: dict[str, Any] = _http_json(f"{url}/")
        plugins: list[dict[str, Any]] = _http_json(f"{url}/connector-plugins")
    except (httpx.HTTPError, ValueError) as exc:
        return Health(False, url, detail=f"{type(exc).__name__}: {exc}")
    debezium = [p for p in plugins if p["class"].endswith("PostgresConnector")]
    if not debezium:
        return Health(False, url, root.get("version"), detail="Debezium PostgresConnector plugin not loaded")
    return Health(True, url, root.get("version"), detail=f"debezium {debezium[0].get('version')}")


def probe_elasticsearch(settings: StackSettings, node: int = 1) -> Health:
    # GET / does not exist on the integ-test distribution; cluster health and node info do.
    url = settings.elasticsearch_node_url(node)
    try:
        health: dict[str, Any] = _http_json(f"{url}/_cluster/health")
        nodes: dict[str, Any] = _http_json(f"{url}/_nodes/_local?filter_path=nodes.*.version")
    except (httpx.HTTPError, ValueError) as exc:
        return Health(False, url, detail=f"{type(exc).__name__}: {exc}")
    local: list[dict[str, Any]] = list(nodes.get("nodes", {}).values())  # the one node answering
    version = local[0].get("version") if local else None
    ok = health.get("status") in ("green", "yellow")
    nodes_count = health.get("number_of_nodes", 1)
    of = f", {nodes_count} nodes" if settings.es_nodes > 1 or nodes_count > 1 else ""
    return Health(ok, url, version, detail=f"cluster {health.get('status')}{of}")


def probes(settings: StackSettings, password: str) -> dict[str, Callable[[], Health]]:
    return {
        "postgres": lambda: probe_postgres(settings, password),
        "kafka": lambda: probe_kafka(settings),
        "connect": lambda: probe_connect(settings),
        "elasticsearch": lambda: probe_elasticsearch(settings),
        **{f"elasticsearch-{n}": partial(probe_elasticsearch, settings, n) for n in range(2, settings.es_nodes + 1)},
    }
