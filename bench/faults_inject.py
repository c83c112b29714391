"""The faults of `make faults` (bench/faults.py): SIGKILL or SIGSTOP/SIGCONT of one part of the running native
stack, and the probe that times how long until a write is readable again through the public APIs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import httpx
from products_stack import descendants

from infra.native.stack import BY_NAME, NativeStack
from infra.polling import poll_until
from infra.secrets import write_token
from infra.settings import StackSettings

SUPERVISED = ("postgres", "kafka", "connect", "elasticsearch", "pipeline", "write-api", "query-api")
PARTS = (*SUPERVISED, "backfill")


def child_pid(settings: StackSettings, name: str) -> int:
    state = NativeStack(settings).process(name).state()
    if not state or not state.child_pid:
        raise SystemExit(f"{name} is not running under its supervisor: start the stack with `readside up`")
    return state.child_pid


class Probe(threading.Thread):
    """Every 0.5 s: rename one product, read it back with the token. Records (monotonic time, ok)."""

    def __init__(self, settings: StackSettings):
        super().__init__(daemon=True)
        self.halt, self.seen = threading.Event(), []
        self.write = httpx.Client(
            base_url=f"http://{settings.host}:{settings.write_api_port}",
            timeout=10,
            headers={"Authorization": f"Bearer {write_token(settings)}"},
        )
        self.read = httpx.Client(base_url=f"http://{settings.host}:{settings.query_api_port}", timeout=15)
        word = uuid.uuid4().hex[:10]  # a product of its own: the mix's reads judge every name the mix wrote
        created = self.write.post(
            "/products",
            json={
                "sku": f"PROBE-{word}",
                "name": f"Probe lamp {word}",
                "description": "the fault bench's probe",
                "category": "tools",
                "price": "1.00",
                "initial_stock": 0,
            },
        )
        created.raise_for_status()
        self.product_id = created.json()["id"]

    def once(self) -> bool:
        name = f"Probe lamp {uuid.uuid4().hex[:8]}"
        try:
            wrote = self.write.patch(f"/products/{self.product_id}", json={"name": name})
            if wrote.status_code != 200:
                return False
            read = self.read.get(
                f"/products/{self.product_id}", headers={"X-Consistency-Token": wrote.json()["consistency_token"]}
            )
            return read.status_code == 200 and read.json()["name"] == name
        except httpx.HTTPError:
            return False

    def run(self) -> None:
        while not self.halt.is_set():
            self.seen.append((time.monotonic(), self.once()))
            self.halt.wait(0.5)

    def recovered_after(self, moment: float, deadline_s: float = 300) -> float | None:
        """Seconds from `moment` to the first good probe that began after it (waits for one)."""
        try:
            return poll_until(
                lambda: next((t - moment for t, ok in list(self.seen) if ok and t > moment), None),
                deadline_s,
                "a write to be readable again",
                0.25,
            )
        except Exception:
            return None

    def stop(self) -> None:
        self.halt.set()
        self.join(30)
        self.write.close()
        self.read.close()


class Fault:
    """One fault on one part, injected at a moment of the load; `finish` ends it and says when it ended."""

    def __init__(self, settings: StackSettings, kind: str, part: str, stall_s: float):
        self.settings, self.kind, self.part, self.stall_s = settings, kind, part, stall_s
        self.backfill: subprocess.Popen | None = None
        self.notes: list[str] = []

    def prepare(self) -> None:
        if self.part == "backfill":  # started now; hit between its floor (the snapshot) and its hand-over
            self.backfill = _start_backfill()

    def inject(self) -> float:
        pid = self._target()
        if self.kind == "kill":
            os.kill(pid, signal.SIGKILL)
            return time.monotonic()
        pids = descendants(pid)
        for each in pids:
            _signal(each, signal.SIGSTOP)
        time.sleep(self.stall_s)  # the stall itself is the fault being measured
        for each in pids:
            _signal(each, signal.SIGCONT)
        return time.monotonic()

    def _target(self) -> int:
        if self.backfill is None:
            return child_pid(self.settings, self.part)
        lines = []
        for line in self.backfill.stderr:
            lines.append(line)
            if "snapshot at LSN" in line:
                threading.Thread(target=self.backfill.stderr.read, daemon=True).start()  # never a full pipe
                return self.backfill.pid
        raise SystemExit("the backfill ended before its snapshot:\n" + "".join(lines))

    def finish(self, ended: float) -> float | None:
        """Bring the part back where nothing does it by itself; seconds from the fault's end until it is healthy."""
        if self.backfill is not None:
            if self.kind == "kill":
                self.backfill.wait()
                again = _start_backfill()  # the documented recovery: run it again
                code = again.wait()
                self.notes.append(f"backfill re-run: exit {code}")
            else:
                code = self.backfill.wait()
                self.notes.append(f"backfill resumed: exit {code}")
            return time.monotonic() - ended
        native = NativeStack(self.settings)
        unit = BY_NAME[self.part]
        try:
            poll_until(lambda: native.health([unit])[self.part].healthy, 300, f"{self.part} to be healthy", 0.5)
        except Exception:
            return None
        restarts = native.health([unit])[self.part].restarts
        self.notes.append(f"restarts by its supervisor since `up`: {restarts}")
        return time.monotonic() - ended


def _start_backfill() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "infra.cli.main", "backfill", "products"],
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200"},
    )


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
