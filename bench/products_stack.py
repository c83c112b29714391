"""What the products bench reads off the running stack: machine, versions, CPU and memory per process, metrics."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STACK_PARTS = ("postgres", "kafka", "connect", "elasticsearch", "pipeline", "query-api", "write-api")


# --- processes -----------------------------------------------------------------------------------


def process_tree() -> dict[int, list[int]]:
    """Every process's children, by pid (from the ppid in /proc/<pid>/stat)."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat:
                tree.setdefault(int(stat[1]), []).append(int(entry.name))
    return tree


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (index 0 = state, 1 = ppid, 11 = utime)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def descendants(pid: int, tree: dict[int, list[int]] | None = None) -> list[int]:
    tree = process_tree() if tree is None else tree
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def stack_pids(run_dir: Path) -> dict[str, int]:
    pids = {}
    for part in STACK_PARTS:
        try:
            pids[part] = int((run_dir / f"{part}.pid").read_text().strip())
        except (OSError, ValueError):
            continue
    return pids


def pipeline_worker_pid(run_dir: Path) -> int | None:
    """The Faust worker: the child of the supervisor whose pid `readside up` wrote to pipeline.pid."""
    supervisor = stack_pids(run_dir).get("pipeline")
    if supervisor is None:
        return None
    for pid in process_tree().get(supervisor, []):
        if "pipelines.main" in cmdline(pid):
            return pid
    return None


def rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        stat = _stat(pid)
        if stat:
            total += int(stat[11]) + int(stat[12])
    return total / CLOCK_TICKS


def schedstat(pid: int | None) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) of a thread, from /proc/<pid>/schedstat."""
    try:
        running, waiting, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(running) / 1e9, int(waiting) / 1e9


class CpuMeter:
    """CPU seconds each stack part (its whole process tree) and the bench itself spent between marks.

    Also how the worker's main thread (its event loop) spent the time: on a CPU, waiting for a CPU
    (the machine is busy), or neither (waiting for I/O: Kafka, Elasticsearch, or idle).
    """

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._start: dict[str, float] = {}
        self._wall = 0.0

    def _now(self) -> dict[str, float]:
        tree = process_tree()
        usage = {part: cpu_seconds(descendants(pid, tree)) for part, pid in stack_pids(self.run_dir).items()}
        usage["bench"] = cpu_seconds(descendants(os.getpid(), tree))
        usage["loop on cpu"], usage["loop waiting for cpu"] = schedstat(pipeline_worker_pid(self.run_dir))
        usage["machine busy"], _ = machine_cpu_seconds()
        return usage

    def start(self) -> None:
        self._start, self._wall = self._now(), time.monotonic()

    def stop(self) -> dict[str, float]:
        """Share of one core per part since start() (1.0 = one core busy all the time)."""
        end, wall = self._now(), max(time.monotonic() - self._wall, 1e-6)
        shares = {part: (end[part] - self._start.get(part, end[part])) / wall for part in end}
        ours = sum(v for part, v in shares.items() if part in (*STACK_PARTS, "bench"))
        shares["outside stack"] = max(0.0, shares["machine busy"] - ours)
        return shares


def machine_cpu_seconds() -> tuple[float, float]:
    """CPU seconds all cores spent busy since boot (everything but idle and iowait) and, of those, in
    softirq (kernel network work, charged to no process), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / CLOCK_TICKS, fields[6] / CLOCK_TICKS


def other_load(run_dir: Path, seconds: float = 3.0) -> list[tuple[str, float]]:
    """Processes outside the stack and this bench using > 5 % of a core over a short sample."""
    tree = process_tree()
    ours = {p for pid in [*stack_pids(run_dir).values(), os.getpid()] for p in descendants(pid, tree)}
    before = {pid: cpu_seconds([pid]) for pid in descendants(1, tree) if pid not in ours}
    time.sleep(seconds)  # a fixed sampling window, not synchronisation
    busy = []
    for pid, used in before.items():
        share = (cpu_seconds([pid]) - used) / seconds
        if share > 0.05:
            busy.append((cmdline(pid)[:90] or str(pid), share))
    return sorted(busy, key=lambda item: -item[1])


# --- prometheus histograms of the worker -------------------------------------------------------

_SAMPLE = re.compile(r"^(\w+)_bucket\{([^}]*)\} ([0-9.e+-]+)$")
_LE = re.compile(r'le="([^"]+)",?')


@dataclass
class Histograms:
    buckets: dict[tuple[str, str], list[tuple[float, float]]]  # (metric, labels) -> [(le, cumulative)]

    def minus(self, earlier: Histograms) -> Histograms:
        out = {}
        for key, rows in self.buckets.items():
            before = dict(earlier.buckets.get(key, []))
            out[key] = [(le, count - before.get(le, 0.0)) for le, count in rows]
        return Histograms(out)

    def quantile(self, metric: str, label: str, q: float) -> tuple[float | None, int]:
        """Estimate (linear within the bucket) and the number of observations."""
        rows = next((r for (m, labels), r in self.buckets.items() if m == metric and label in labels), None)
        if not rows or rows[-1][1] <= 0:
            return None, 0
        total, lower, below = rows[-1][1], 0.0, 0.0
        for le, count in rows:
            if count >= q * total:
                if le == float("inf"):
                    return lower, int(total)
                share = (q * total - below) / max(count - below, 1e-9)
                return lower + share * (le - lower), int(total)
            lower, below = le, count
        return lower, int(total)


def scrape_histograms(metrics_url: str) -> Histograms:
    buckets: dict[tuple[str, str], list[tuple[float, float]]] = {}
    text = httpx.get(metrics_url, timeout=5).text
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        le = _LE.search(match.group(2)) if match else None
        if match and le:
            metric, labels, value = match.group(1), _LE.sub("", match.group(2)), match.group(3)
            buckets.setdefault((metric, labels), []).append((float(le.group(1)), float(value)))
    return Histograms(buckets)


async def topic_partitions(bootstrap: str, topics: list[str]):
    """TopicPartitions of `topics` (asked of the admin API: a bare consumer's metadata may not list them)."""
    from aiokafka import TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
