"""The native stack as a whole: preflight checks, fetch, start in dependency order, stop, purge."""

from __future__ import annotations

import fcntl
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console

from infra.native.apps import APPS, probe_app
from infra.native.fetch import FETCHERS, dist_for
from infra.native.java import find_java_home, find_search_java_home
from infra.native.process import (
    ManagedProcess,
    StackError,
    current_user,
    ensure_service_user,
    make_traversable,
    port_is_free,
)
from infra.native.search_nodes import Elasticsearch
from infra.native.servers import SERVERS, postgres_bin
from infra.native.supervisor import crash_summary
from infra.native.unit import Context, Server
from infra.polling import DeadlineExceeded, poll_until
from infra.probes import Health, probes
from infra.registrar import Registrar, load_connector_files
from infra.secrets import postgres_password
from infra.settings import StackSettings

T = TypeVar("T")

UNITS: list[Server] = [*SERVERS, *APPS]  # start order; stop in reverse
BY_NAME = {unit.name: unit for unit in UNITS}


class NativeStack:
    def __init__(self, settings: StackSettings, console: Console | None = None):
        self.settings = settings
        self.console = console or Console(stderr=True)
        self.dist = dist_for(settings)
        # What these settings run, and what still runs from settings that wanted more (start order; stop in reverse)
        self.units = [unit for unit in UNITS if unit.wanted(settings) or self.process(unit.name).pid()]
        self.servers = [server for server in SERVERS if server in self.units]

    # ---- processes -------------------------------------------------------------------------
    def process(self, name: str) -> ManagedProcess:
        return ManagedProcess(name, self.settings.data / "run", self.settings.data / "logs")

    def pids(self, units: Sequence[Server] = UNITS) -> dict[str, int | None]:
        return {unit.name: self.process(unit.name).pid() for unit in units}

    def health(self, units: Sequence[Server] | None = None) -> dict[str, Health]:
        result = {}
        for name, pid in self.pids(self.servers if units is None else units).items():
            health = self._check(BY_NAME[name])()
            health.version = health.version or self._pinned_version(name)
            result[name] = self._supervised(name, health, pid)
        return result

    def _supervised(self, name: str, health: Health, supervisor_pid: int | None) -> Health:
        """Add what the supervisor knows: the server's own pid, its restarts, and a restart it is waiting for."""
        state = self.process(name).state()
        health.pid = supervisor_pid
        if state is None:
            return health
        health.pid, health.restarts, health.last_exit = state.child_pid, state.restarts, crash_summary(state)
        if state.restart_at is not None:
            wait = max(0.0, state.restart_at - time.time())
            health.healthy = False
            health.detail = f"stopped ({health.last_exit}); its supervisor restarts it in {wait:.1f} s"
        return health

    def _check(self, unit: Server) -> Callable[[], Health]:
        if unit in APPS:
            return lambda: probe_app(unit, self.settings)
        return probes(self.settings, postgres_password(self.settings))[unit.name]

    def _pinned_version(self, name: str) -> str | None:
        key = {"kafka": "KAFKA_VERSION", "connect": "KAFKA_VERSION"}.get(name)
        return self.settings.versions.get(key) if key else None

    # ---- up --------------------------------------------------------------------------------
    def up(self) -> list[str]:
        """Start whatever is not running; register connectors. Returns the servers this call started."""
        started: list[str] = []
        with self._lock():
            connectors = load_connector_files(self.settings.connectors_dir)  # bad JSON fails before anything starts
            ctx = self._preflight()
            try:
                self._fetch_missing()
                self._start_all(ctx, started)
                Registrar(
                    self.settings.connect_url,
                    self.settings.connector_timeout_s,
                    say=lambda line: self.console.print(f"[green]✓[/] {line}"),
                ).apply_all(connectors)
                self._migrate()
                for app in APPS:
                    if app.wanted(self.settings):
                        self._launch(app, ctx, started)
                        self._await(app, ctx, started)
            except BaseException:
                if started:
                    self.console.print(f"[yellow]stopping what this run started: {', '.join(started)}[/]")
                    self._stop([BY_NAME[name] for name in reversed(started)])
                raise
        return started

    def _preflight(self) -> Context:
        s = self.settings
        java_home = find_java_home(s.java_home)
        engine = self.dist.engine
        search_java_home = find_search_java_home(s.search_java_home, java_home, engine.min_java, s.search_engine.value)
        _check_search_client(engine.client_major, s.search_engine.value)
        postgres_bin(s)
        running = {name for name, pid in self.pids().items() if pid}
        for server in self.units:
            if server.name in running:
                continue
            host = server.bind_host(s)
            for field, port in server.ports(s).items():
                if not port_is_free(host, port):
                    raise StackError(
                        f"port {port} ({server.name}) on {host} is already in use by another "
                        f"process: stop it, or choose another port (READSIDE_{field.upper()})"
                    )
        s.data.mkdir(parents=True, exist_ok=True)
        run_as = ensure_service_user(s.service_user)
        for changed in make_traversable(s.data, run_as):
            self.console.print(f"[dim]made {changed} traversable (o+x) for user {run_as.name}[/]")
        return Context(s, self.dist, run_as, java_home, postgres_password(s), search_java_home)

    def _fetch_missing(self) -> None:
        for part in self.dist.missing():
            began = time.monotonic()
            with self.console.status(f"fetching {part} from Maven Central (first run only)…"):
                FETCHERS[part](self.dist)
            self.console.print(f"[green]✓[/] fetched {part} in {time.monotonic() - began:.1f}s")

    def _start_all(self, ctx: Context, started: list[str]) -> None:
        nodes = [server for server in self.servers if isinstance(server, Elasticsearch)]
        for server in [BY_NAME["postgres"], BY_NAME["kafka"], *nodes]:
            self._launch(server, ctx, started)
        self._await(BY_NAME["postgres"], ctx, started)
        self._await(BY_NAME["kafka"], ctx, started)
        self._launch(BY_NAME["connect"], ctx, started)
        for node in nodes:
            self._await(node, ctx, started)
        self._await(BY_NAME["connect"], ctx, started)

    def _migrate(self) -> None:
        from services.write_api.adapters.migrations import migrate  # the CLI is the composition root

        applied = migrate(self.settings.postgres_dsn(postgres_password(self.settings)))
        self.console.print(f"[green]✓[/] migrations: {', '.join(applied) if applied else 'up to date'}")

    def _launch(self, server: Server, ctx: Context, started: list[str]) -> None:
        proc = self.process(server.name)
        if proc.pid():
            return
        server.prepare(ctx)
        launch = server.launch(ctx)
        proc.start(launch.argv, ctx.run_as if server.as_service_user else current_user(), env=launch.env)
        started.append(server.name)

    def _await(self, server: Server, ctx: Context, started: list[str]) -> Health:
        proc = self.process(server.name)
        check = self._check(server)
        began = time.monotonic()
        last: Health | None = None
        fresh = server.name in started  # a crash of what this run started fails the run, not a restart loop

        def ready() -> Health | None:
            nonlocal last
            last = _alive_and(proc, server.name, check, fresh)
            return last if last.healthy else None

        with self.console.status(f"waiting for {server.name}…"):
            try:
                poll_until(
                    lambda: _alive_and(proc, server.name, lambda: server.accepting(ctx), fresh),
                    self.settings.start_timeout_s,
                    f"{server.name} to accept connections",
                    0.1,
                )
                server.after_start(ctx)
                health = poll_until(ready, self.settings.start_timeout_s, f"{server.name} to be healthy", 0.25)
            except DeadlineExceeded as exc:
                detail = last.detail if last else ""
                raise StackError(f"{exc} ({detail}); see {proc.log_file}") from None
        self.console.print(f"[green]✓[/] {server.name} ready at {health.url} in {time.monotonic() - began:.1f}s")
        return health

    # ---- down ------------------------------------------------------------------------------
    def down(self, purge: bool = False, only: list[str] | None = None) -> list[str]:
        with self._lock():
            targets = [s for s in reversed(UNITS) if only is None or s.name in only]
            stopped = self._stop(targets)
            if purge:
                self._purge()
        return stopped

    def _stop(self, servers: list[Server]) -> list[str]:
        stopped = []
        for server in servers:
            with self.console.status(f"stopping {server.name}…"):
                if self.process(server.name).stop(server.stop_signal, timeout_s=30):
                    stopped.append(server.name)
                    self.console.print(f"[green]✓[/] stopped {server.name}")
        s = self.settings
        for server in [server for server in servers if server.wanted(s) or server.name in stopped]:
            host = server.bind_host(s)
            for what, port in server.ports(s).items():
                poll_until(lambda: port_is_free(host, port), 15, f"port {port} ({what}) to be released", 0.1)
        return stopped

    def _purge(self) -> None:
        """Remove all data but keep the downloaded distributions (they are a cache, not data)."""
        data, dist = self.settings.data, self.dist.root
        if not data.exists():
            return
        for entry in data.iterdir():
            if entry.resolve() == dist or entry.name == ".lock":
                continue
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        self.console.print(f"[green]✓[/] purged data under {data} (kept downloads in {dist})")

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """One `up`/`down` at a time per data folder."""
        self.settings.data.mkdir(parents=True, exist_ok=True)
        with open(self.settings.data / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StackError(f"another readside up/down is running on {self.settings.data}") from None
            yield


def _alive_and(proc: ManagedProcess, name: str, check: Callable[[], T], fresh: bool) -> T:
    """Run a readiness check, but fail at once with the log's tail if the process has died (for one this run
    started: also if it died and its supervisor would restart it)."""
    state = proc.state()
    if proc.pid() is None or (fresh and state is not None and state.last_exit is not None):
        raise StackError(f"{name} exited during start-up; last lines of {proc.log_file}:\n{proc.log_tail()}")
    return check()


def _check_search_client(major: int | None, engine: str) -> None:
    """The Elasticsearch Python client talks only to a server of its own major: say so before anything starts."""
    if major is None:
        return
    from elasticsearch import __versionstr__ as installed

    if int(installed.split(".")[0]) != major:
        raise StackError(
            f"{engine} needs the elasticsearch Python client {major}.x, and this environment has {installed}: "
            f"`make test-es9` builds .venv-es9 with it"
        )
