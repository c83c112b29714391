"""Apply every connector file to Kafka Connect (PUT /connectors/<name>/config) and wait for RUNNING."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential

from infra.native.process import StackError
from infra.polling import DeadlineExceeded, poll_until


@dataclass(frozen=True)
class ConnectorFile:
    path: Path
    name: str
    config: dict[str, str]


class ConnectorRejected(StackError):
    pass


def load_connector_files(directory: Path) -> list[ConnectorFile]:
    """Parse every *.json in `directory`; a syntax or shape error names the file, line and column."""
    files = sorted(directory.glob("*.json"))
    if not files:
        raise StackError(f"no connector files (*.json) in {directory}")
    return [load_connector_file(path) for path in files]


def load_connector_file(path: Path) -> ConnectorFile:
    try:
        body = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise StackError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not isinstance(body.get("config"), dict):
        raise StackError(f'{path}: expected the Connect REST body {{"name": str, "config": {{…}}}}')
    config = body["config"]
    bad = [key for key, value in config.items() if not isinstance(value, str)]
    if bad:
        raise StackError(f"{path}: Connect config values must be strings; not strings: {', '.join(bad)}")
    if config.get("name", body["name"]) != body["name"]:
        raise StackError(f"{path}: config.name {config['name']!r} differs from name {body['name']!r}")
    return ConnectorFile(path, body["name"], config)


class _Busy(Exception):
    """Connect answered 409: a rebalance is in progress; the same request is right a moment later."""


class Registrar:
    def __init__(self, connect_url: str, timeout_s: float = 90.0, say: Callable[[str], None] = print):
        self.url = connect_url.rstrip("/")
        self.timeout_s = timeout_s
        self.say = say
        self.http = httpx.Client(timeout=30)

    def apply_all(self, files: list[ConnectorFile]) -> dict[str, dict]:
        return {f.name: self.apply(f) for f in files}

    def apply(self, connector: ConnectorFile) -> dict:
        self.validate(connector)
        existed = self.http.get(f"{self.url}/connectors/{connector.name}").status_code == 200
        response = self._put(connector)
        if response.status_code >= 400:
            raise ConnectorRejected(
                f"Kafka Connect rejected {connector.path.name} "
                f"(HTTP {response.status_code}):\n{_connect_message(response)}"
            )
        try:
            status = self.wait_running(connector.name)
        except StackError:
            if not existed:  # leave nothing half-registered behind
                self.http.delete(f"{self.url}/connectors/{connector.name}")
            raise
        self.say(f"connector {connector.name}: RUNNING ({len(status['tasks'])} task(s))")
        return status

    def validate(self, connector: ConnectorFile) -> None:
        """Ask Connect to validate first: its per-field errors are clearer than a failed PUT's summary
        (which, with Debezium 3.6 on Connect 4.3, is an NPE for any invalid value)."""
        plugin = connector.config.get("connector.class", "")
        response = self.http.put(
            f"{self.url}/connector-plugins/{plugin.rsplit('.', 1)[-1]}/config/validate",
            json={**connector.config, "name": connector.name},
        )
        if response.status_code >= 400:
            raise ConnectorRejected(
                f"Kafka Connect rejected {connector.path.name} "
                f"(HTTP {response.status_code}):\n{_connect_message(response)}"
            )
        errors = [
            f"  {entry['value']['name']}: {message}"
            for entry in response.json().get("configs", [])
            if entry.get("value")
            for message in entry["value"].get("errors", [])
        ]
        if errors:
            raise ConnectorRejected(
                f"Kafka Connect rejected {connector.path.name} "
                f"({len(errors)} invalid setting(s)):\n" + "\n".join(errors)
            )

    @retry(
        retry=retry_if_exception_type((_Busy, httpx.TransportError)),
        stop=stop_after_delay(60),
        wait=wait_exponential(multiplier=0.2, max=3),
        reraise=True,
    )
    def _put(self, connector: ConnectorFile) -> httpx.Response:
        response = self.http.put(f"{self.url}/connectors/{connector.name}/config", json=connector.config)
        if response.status_code == 409:
            raise _Busy()
        return response

    def status(self, name: str) -> dict | None:
        response = self.http.get(f"{self.url}/connectors/{name}/status")
        return response.json() if response.status_code == 200 else None

    def wait_running(self, name: str) -> dict:
        last: dict = {}

        def running() -> dict | None:
            nonlocal last
            last = self.status(name) or {}
            states = [last.get("connector", {}).get("state")] + [t.get("state") for t in last.get("tasks", [])]
            if "FAILED" in states:
                raise StackError(f"connector {name} failed:\n{_failure_traces(last)}")
            return last if last.get("tasks") and set(states) == {"RUNNING"} else None

        try:
            return poll_until(running, self.timeout_s, f"connector {name} to be RUNNING", 0.3)
        except DeadlineExceeded as exc:
            raise StackError(f"{exc}; last status: {json.dumps(last)}") from None

    def command(self, method: str, path: str, what: str) -> None:
        """A Connect REST call that must succeed (stop, resume, delete offsets); StackError with Connect's
        own message otherwise."""
        response = self.http.request(method, f"{self.url}{path}")
        if response.status_code >= 300:
            raise StackError(f"{what}: Kafka Connect answered {response.status_code}: {_connect_message(response)}")

    def list_status(self) -> dict[str, dict]:
        response = self.http.get(f"{self.url}/connectors", params={"expand": "status"})
        response.raise_for_status()
        return {name: entry["status"] for name, entry in response.json().items()}


def _connect_message(response: httpx.Response) -> str:
    try:
        return response.json().get("message", response.text)
    except ValueError:
        return response.text


def _failure_traces(status: dict) -> str:
    parts = []
    connector = status.get("connector", {})
    if connector.get("state") == "FAILED":
        parts.append(f"connector: {connector.get('trace', '(no trace)')}")
    for task in status.get("tasks", []):
        if task.get("state") == "FAILED":
            parts.append(f"task {task.get('id')}: {task.get('trace', '(no trace)')}")
    return "\n".join(parts)
