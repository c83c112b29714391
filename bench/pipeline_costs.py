"""What each pipeline stage costs per source change, from the worker's own /metrics, differenced over a phase.

The worker exports, per stage, the seconds its batches took (`readside_batch_seconds_sum`, label projection:
`all` is the router; one agent runs one batch at a time, so this is the stage's share of the worker's loop,
waits on Kafka and Elasticsearch included), the source events routed (`readside_pipeline_events_total`,
counted once per table here) and its Elasticsearch bulk requests (`readside_es_bulk_seconds_count`, documents
and checkpoints). A phase's figures are the differences between two snapshots.
"""

from __future__ import annotations

import re
import urllib.request
from collections import defaultdict

_SAMPLE = re.compile(
    r"^(readside_batch_seconds_sum|readside_pipeline_events_total|readside_es_bulk_seconds_count)"
    r"\{([^}]*)\} (\S+)$",
    re.M,
)
_LABEL = re.compile(r'(\w+)="([^"]*)"')
HEARTBEAT = "debezium_heartbeat"


def snapshot(metrics_url: str) -> dict[str, float]:
    """{"stage:<projection>": seconds, "events": source events (tables), "bulks": requests}; {} if unreachable."""
    try:
        text = urllib.request.urlopen(metrics_url, timeout=5).read().decode()
    except OSError:
        return {}
    out: dict[str, float] = defaultdict(float)
    events: dict[str, float] = {}
    for name, labels, value in _SAMPLE.findall(text):
        tags = dict(_LABEL.findall(labels))
        if name == "readside_batch_seconds_sum":
            out[f"stage:{tags.get('projection')}"] += float(value)
        elif name == "readside_es_bulk_seconds_count":
            out["bulks"] += float(value)
        elif HEARTBEAT not in tags.get("topic", ""):  # each table's events once, whichever projections read it
            events[tags.get("topic", "")] = max(events.get(tags.get("topic", ""), 0.0), float(value))
    out["events"] = sum(events.values())
    return dict(out)


def costs(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Per source change over the phase: ms of each stage (`<projection> ms`) and ES bulk requests."""
    if not before or not after:
        return {}
    changes = after.get("events", 0.0) - before.get("events", 0.0)
    if changes <= 0:
        return {}
    out = {"changes": changes, "ES requests": (after.get("bulks", 0.0) - before.get("bulks", 0.0)) / changes}
    for key in sorted(after):
        if key.startswith("stage:"):
            name = "router" if key == "stage:all" else key[len("stage:") :]
            out[f"{name} ms"] = (after[key] - before.get(key, 0.0)) / changes * 1000
    return out


def cost_table(rows: list[tuple[str, dict[str, float]]]) -> list[str]:
    """A markdown table: one row per phase."""
    columns = sorted({k for _, c in rows for k in c if k.endswith(" ms")})
    lines = [
        "| phase | source changes | " + " | ".join(columns) + " | ES requests per change |",
        "|---:|---:|" + "---:|" * len(columns) + "---:|",
    ]
    for phase, c in rows:
        if not c:
            lines.append(f"| {phase} | - |" + " - |" * len(columns) + " - |")
            continue
        cells = " | ".join(f"{c.get(k, 0.0):.2f}" for k in columns)
        lines.append(f"| {phase} | {c['changes']:.0f} | {cells} | {c['ES requests']:.2f} |")
    return lines
