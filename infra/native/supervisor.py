"""Keep one server or service running: restart it after a crash (with backoff), stop it when told to.

`readside up` starts every server (Postgres, Kafka, Connect, Elasticsearch) and service (APIs, worker, console)
under one of these. A crash or SIGKILL of the child is followed by a restart after a delay that doubles with
each quick failure (0.5 s up to 30 s; a run of a minute resets it). Every server resumes from its own data:
Postgres replays its WAL, Kafka its log, Connect its offsets topic, the worker its committed offsets.

What happened is written to a small JSON state file beside the pid file (the child's pid, how many restarts,
the last exit, when the next start is due), which `readside status` and the page show. Run as
`python -m infra.native.supervisor --name N --state FILE [--user UID:GID] -- argv…`; it stays in the
child's process group, so `readside down` signals both and the supervisor, told to stop, does not restart.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType

HEALTHY_AFTER_S = 60.0  # a run this long resets the backoff
FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 30.0


def next_backoff(previous: float, ran_s: float) -> float:
    """The wait before the next start: short after a long healthy run, doubling while the child keeps failing."""
    return FIRST_BACKOFF_S if ran_s > HEALTHY_AFTER_S else min(max(previous, FIRST_BACKOFF_S / 2) * 2, MAX_BACKOFF_S)


def describe_exit(code: int) -> str:
    """'exit 1' or 'SIGKILL' (Popen reports a death by signal as a negative code)."""
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit {code}"


@dataclass
class SupervisorState:
    """What `readside status` reads: the running child, and the crashes so far."""

    name: str
    child_pid: int | None = None
    child_started_at: float | None = None
    restarts: int = 0
    last_exit: dict | None = None  # {"how": "SIGKILL", "ran_s": 12.3, "at": epoch}
    restart_at: float | None = None  # when the next start is due, while waiting out the backoff
    history: list[dict] = field(default_factory=list)  # the last few exits, newest last

    def exited(self, code: int, ran_s: float, now: float, backoff_s: float) -> None:
        self.last_exit = {"how": describe_exit(code), "ran_s": round(ran_s, 1), "at": now}
        self.history = [*self.history, self.last_exit][-10:]
        self.child_pid, self.child_started_at, self.restart_at = None, None, now + backoff_s

    def started(self, pid: int, now: float, restart: bool) -> None:
        self.child_pid, self.child_started_at, self.restart_at = pid, now, None
        self.restarts += int(restart)

    def save(self, path: Path | None) -> None:
        if path is None:
            return
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(self)))
        os.replace(temporary, path)


def crash_summary(state: SupervisorState) -> str:
    """The last exit in one line: 'SIGKILL after 312.0 s at 03:12:04' ('' if it never stopped)."""
    if not state.last_exit:
        return ""
    at = time.strftime("%H:%M:%S", time.localtime(state.last_exit["at"]))
    return f"{state.last_exit['how']} after {state.last_exit['ran_s']} s at {at}"


def read_state(path: Path) -> SupervisorState | None:
    try:
        return SupervisorState(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def group_members(stats: dict[int, str], group: int, own_pid: int) -> list[int]:
    """The pids among `stats` ({pid: the text of /proc/<pid>/stat}) in process group `group`, this one aside."""
    members = []
    for pid, stat in stats.items():
        fields = stat[stat.rfind(")") + 2 :].split()
        if pid != own_pid and len(fields) > 2 and int(fields[2]) == group:
            members.append(pid)
    return members


def _leftovers() -> list[int]:
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
    return group_members(stats, os.getpgrp(), os.getpid())


def reap_leftovers(say: Callable[[str], None], name: str, timeout_s: float = 10.0) -> None:
    """SIGKILL what the dead child left in our process group: a server's own children (Postgres backends,
    uvicorn's worker processes) outlive a SIGKILLed parent and would hold its port and data, so the restart
    would fail (`Address already in use`) while the orphans go on serving."""
    left = _leftovers()
    if not left:
        return
    say(f"supervisor: stopping what {name} left running: {', '.join(map(str, left))}")
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout_s
    while _leftovers() and time.monotonic() < deadline:
        time.sleep(0.05)  # SIGKILLed processes leave within milliseconds; bounded by the deadline


def supervise(
    argv: list[str],
    name: str,
    state_file: Path | None = None,
    child_kwargs: dict | None = None,
    say: Callable[[str], None] = lambda m: print(m, file=sys.stderr, flush=True),
) -> int:
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    state, backoff = SupervisorState(name), 0.0
    while True:
        began = time.monotonic()
        child = subprocess.Popen(argv, **(child_kwargs or {}))
        state.started(child.pid, time.time(), restart=state.last_exit is not None)
        state.save(state_file)
        code = child.wait()
        if stopping:
            return code
        ran = time.monotonic() - began
        reap_leftovers(say, name)
        backoff = next_backoff(backoff, ran)
        state.exited(code, ran, time.time(), backoff)
        state.save(state_file)
        say(f"supervisor: {name} stopped ({describe_exit(code)}) after {ran:.1f} s; restarting in {backoff:.1f} s")
        deadline = time.monotonic() + backoff
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.1)  # interruptible wait before the restart
        if stopping:
            return code


def wrap(argv: list[str], name: str, state_file: Path, user: tuple[int, int] | None) -> list[str]:
    """The command line that runs `argv` under a supervisor (the supervisor runs as the invoker)."""
    switch = ["--user", f"{user[0]}:{user[1]}"] if user else []
    return [
        sys.executable,
        "-m",
        "infra.native.supervisor",
        "--name",
        name,
        "--state",
        str(state_file),
        *switch,
        "--",
        *argv,
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description="restart a command when it dies, until told to stop")
    parser.add_argument("--name", required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--user", help="UID:GID the command runs as")
    parser.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    kwargs = {}
    if args.user:
        uid, gid = (int(part) for part in args.user.split(":"))
        kwargs = {"user": uid, "group": gid, "extra_groups": []}
    return supervise(argv, args.name, args.state, kwargs)


if __name__ == "__main__":
    sys.exit(main())
