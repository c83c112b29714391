"""The console's Prometheus metrics: what only a process that sees the whole stack can export (the slot,
connector task states, consumer lag, each component's health). Served at the console's /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

TASK_STATES = ("RUNNING", "PAUSED", "FAILED", "UNASSIGNED", "RESTARTING", "STOPPED")

REGISTRY = CollectorRegistry()
COMPONENT_UP = Gauge(
    "readside_component_up", "1 when the component's health probe passed", ["component"], registry=REGISTRY
)
SLOT_RETAINED = Gauge(
    "readside_replication_slot_retained_wal_bytes",
    "WAL Postgres keeps for the slot: current WAL position minus its restart position",
    ["slot"],
    registry=REGISTRY,
)
SLOT_LIMIT = Gauge(
    "readside_replication_slot_wal_limit_bytes",
    "max_slot_wal_keep_size in bytes (-1: unbounded)",
    ["slot"],
    registry=REGISTRY,
)
SLOT_ACTIVE = Gauge(
    "readside_replication_slot_active", "1 while a connector streams from the slot", ["slot"], registry=REGISTRY
)
SLOT_LOST = Gauge(
    "readside_replication_slot_lost", "1 once Postgres has invalidated the slot", ["slot"], registry=REGISTRY
)
TASK_STATE = Gauge(
    "readside_connector_task_state",
    "1 for the state the connector task is in, 0 for the others",
    ["connector", "task", "state"],
    registry=REGISTRY,
)
CONNECTOR_RESTARTS = Counter(
    "readside_connector_restarts_total",
    "Restarts of failed connector tasks the console requested",
    ["connector"],
    registry=REGISTRY,
)
CONSUMER_LAG = Gauge(
    "readside_consumer_lag_messages",
    "Messages the pipeline's consumer group has not committed",
    ["topic"],
    registry=REGISTRY,
)
DEAD_LETTERS_PENDING = Gauge(
    "readside_dead_letters_pending",
    "Letters on the dead-letter topic not yet replayed (read from the topic)",
    ["reason"],
    registry=REGISTRY,
)
DRIFT = Gauge(
    "readside_verify_sample_differences",
    "Differences the last sampled verify found (after its wait)",
    ["model"],
    registry=REGISTRY,
)
DRIFT_COMPARED = Gauge(
    "readside_verify_sample_documents", "Documents the last sampled verify compared", ["model"], registry=REGISTRY
)
DRIFT_LAST_RUN = Gauge(
    "readside_verify_sample_last_run_timestamp_seconds",
    "When the last sampled verify ended (Unix time)",
    registry=REGISTRY,
)


def export(status: dict) -> None:
    """Set every gauge from one `collect_status` report."""
    for name, part in [*status["components"].items(), *status["services"].items()]:
        COMPONENT_UP.labels(name).set(1 if part["healthy"] else 0)
    for slot in status["replication_slots"]:
        if slot.get("exists"):
            SLOT_RETAINED.labels(slot["name"]).set(slot["retained_bytes"] or 0)
            SLOT_ACTIVE.labels(slot["name"]).set(1 if slot["active"] else 0)
        SLOT_LIMIT.labels(slot["name"]).set(-1 if slot.get("limit_bytes") is None else slot["limit_bytes"])
        SLOT_LOST.labels(slot["name"]).set(1 if slot.get("wal_status") == "lost" else 0)
    for name, connector in status["connectors"].items():
        for task in connector["tasks"]:
            for state in TASK_STATES:
                TASK_STATE.labels(name, str(task["id"]), state).set(1 if task["state"] == state else 0)
    for reason, count in (status.get("dead_letters_pending") or {}).items():
        DEAD_LETTERS_PENDING.labels(reason).set(count)
    for topic, lag in ((status.get("pipeline") or {}).get("lag") or {}).items():
        CONSUMER_LAG.labels(topic).set(lag)
