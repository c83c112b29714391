"""What a native server is: its context, how it is launched, and the steps the stack takes it through."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path

from infra.native.fetch import Dist
from infra.native.process import RunAs
from infra.settings import StackSettings

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Context:
    settings: StackSettings
    dist: Dist
    run_as: RunAs
    java_home: Path
    pg_password: str
    search_java_home: Path  # java_home, unless the search engine needs a newer Java

    @property
    def data(self) -> Path:
        return self.settings.data

    def home(self, name: str) -> Path:
        return self.data / name


@dataclass
class Launch:
    argv: list[str]
    env: dict[str, str]


class Server:
    name: str = ""
    stop_signal: int = signal.SIGTERM
    as_service_user: bool = True  # servers refuse root or need no more; our apps run as the invoker

    port_fields: tuple[str, ...] = ()  # StackSettings fields of the ports it binds

    def bind_host(self, s: StackSettings) -> str:
        """The address it listens on."""
        return s.host

    def wanted(self, s: StackSettings) -> bool:
        """Whether these settings run it (an Elasticsearch node past READSIDE_ES_NODES does not)."""
        return True

    def ports(self, s: StackSettings) -> dict[str, int]:
        """{settings field: port}; the field names the READSIDE_<FIELD> variable that moves it."""
        return {field: getattr(s, field) for field in self.port_fields}

    def prepare(self, ctx: Context) -> None:
        """One-time setup (idempotent): create the data folder and anything the first start needs."""

    def launch(self, ctx: Context) -> Launch:
        raise NotImplementedError

    def accepting(self, ctx: Context) -> bool:
        """Whether the server takes requests yet; None-like False until then. Default: the health probe decides."""
        return True

    def after_start(self, ctx: Context) -> None:
        """Work that needs the server up (idempotent)."""

    def _render(self, template: str, target: Path, **values: object) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((TEMPLATES / template).read_text().format_map(values))
        return target
