"""Local server processes: start detached as a (possibly unprivileged) user, track by pid file, stop by group."""

from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from infra.native.supervisor import SupervisorState, read_state, wrap
from infra.polling import DeadlineExceeded, poll_until


class StackError(RuntimeError):
    """A failure the user can act on; the CLI prints it without a traceback."""


@dataclass(frozen=True)
class RunAs:
    """Who a server runs as: the unprivileged service user when we are root, else ourselves."""

    uid: int
    gid: int
    name: str

    @property
    def switches(self) -> bool:
        return self.uid != os.geteuid()

    def popen_kwargs(self) -> dict:
        if not self.switches:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def current_user() -> RunAs:
    return RunAs(os.geteuid(), os.getegid(), pwd.getpwuid(os.geteuid()).pw_name)


def ensure_service_user(name: str) -> RunAs:
    """Create the unprivileged user servers run as (Postgres and Elasticsearch refuse root)."""
    if os.geteuid() != 0:
        return current_user()
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(name)
    return RunAs(entry.pw_uid, entry.pw_gid, name)


def make_traversable(path: Path, run_as: RunAs) -> list[Path]:
    """Let the service user reach `path` by adding o+x (traverse, not list) to ancestors lacking it."""
    changed: list[Path] = []
    if not run_as.switches:
        return changed
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            os.chmod(parent, mode | 0o001)
            changed.append(parent)
    return changed


def own(path: Path, run_as: RunAs) -> None:
    """Give a folder tree to the service user (no-op when we are not switching users)."""
    if not run_as.switches:
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, run_as.uid, run_as.gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), run_as.uid, run_as.gid, follow_symlinks=False)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_is_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still answers kill(0); reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


# Secrets a readside process may find in the invoking shell's environment; a process is given only those its
# launch names (the write API its database URL and token, the worker its control token…), no others.
SECRET_VARIABLES = frozenset(
    {
        "READSIDE_DATABASE_URL",
        "READSIDE_WRITE_TOKEN",
        "READSIDE_CONTROL_TOKEN",
        "READSIDE_READ_TOKEN",
        "READSIDE_PG_PASSWORD",
        "READSIDE_POSTGRES_PASSWORD",
        "PGPASSWORD",
    }
)


RELOADS_IN_PLACE = ("write-api", "query-api")  # uvicorn under its supervisor (services/serving.py)
RESTART_TIMEOUT_S = 120.0


def child_pids(pid: int) -> set[int]:
    """The worker processes a uvicorn supervisor spawned (not multiprocessing's resource tracker)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return set()
    workers = set()
    for child in children:
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.add(int(child))
        except OSError:
            continue  # gone meanwhile
    return workers


def reload_workers(master: int, timeout_s: float) -> None:
    """SIGHUP to a uvicorn supervisor: it starts each new worker and retires the old one once the new one serves.
    Returns once no old worker is left."""
    old = child_pids(master)
    os.kill(master, signal.SIGHUP)
    poll_until(
        lambda: bool(child_pids(master)) and old.isdisjoint(child_pids(master)),
        timeout_s,
        f"pid {master} to replace its workers {sorted(old)}",
        0.2,
    )


def process_environment(given: dict[str, str]) -> dict[str, str]:
    """The invoker's environment without its secrets, plus what this process is given."""
    return {**{k: v for k, v in os.environ.items() if k not in SECRET_VARIABLES}, **given}


class ManagedProcess:
    """One server process under its supervisor: the supervisor's pid file, its state file, the log file and
    the process group they share."""

    def __init__(self, name: str, run_dir: Path, log_dir: Path):
        self.name = name
        self.pid_file = run_dir / f"{name}.pid"
        self.state_file = run_dir / f"{name}.state.json"
        self.log_file = log_dir / f"{name}.log"

    def state(self) -> SupervisorState | None:
        """The supervisor's account: the child's pid, restarts, the last exit (None when not running)."""
        return read_state(self.state_file) if self.pid() else None

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def start(self, argv: list[str], run_as: RunAs, env: dict[str, str] | None = None, cwd: Path | None = None) -> int:
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file.unlink(missing_ok=True)
        user = (run_as.uid, run_as.gid) if run_as.switches else None
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(
                wrap(argv, self.name, self.state_file, user),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=process_environment(env or {}),
                start_new_session=True,
            )
        self.pid_file.write_text(f"{proc.pid}\n")
        return proc.pid

    def stop(self, first_signal: int = signal.SIGTERM, timeout_s: float = 30.0) -> bool:
        """Signal the whole process group, escalate to SIGKILL at the deadline. True if it was running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        _signal_group(pid, first_signal)
        try:
            poll_until(lambda: not pid_alive(pid), timeout_s, f"{self.name} to exit", 0.1)
        except DeadlineExceeded:
            pass  # escalate below
        _signal_group(pid, signal.SIGKILL)  # stragglers in the group (e.g. a JVM forked by a launcher)
        poll_until(lambda: not pid_alive(pid), 10, f"{self.name} to die after SIGKILL", 0.1)
        self.pid_file.unlink(missing_ok=True)
        self.state_file.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
