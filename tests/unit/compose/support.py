"""Shared reading of docker-compose.yml for the compose tests: constants and helpers."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = ROOT / "docker-compose.yml"
VERSIONS_FILE = ROOT / "infra" / "versions.env"
COMPOSE_HELPERS = ROOT / "infra" / "compose"

REGISTRAR = "register-connectors"
# stack service -> the versions.env variable that names its image
STACK_IMAGES = {
    "postgres": "POSTGRES_IMAGE",
    "kafka": "KAFKA_IMAGE",
    "connect": "CONNECT_IMAGE",
    "elasticsearch": "ELASTICSEARCH_IMAGE",
}
# stack service -> (StackSettings field of its host port, port inside the container)
PUBLISHED = {
    "postgres": ("postgres_port", 5432),
    "kafka": ("kafka_port", 9092),
    "connect": ("connect_port", 8083),
    "elasticsearch": ("elasticsearch_port", 9200),
}
SECRET_KEY = re.compile(r"PASSWORD|SECRET|TOKEN", re.IGNORECASE)
REQUIRED_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*):\?[^}]+\}$")  # ${NAME:?message}
PROVIDER_REF = re.compile(r"^\$?\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$")  # ${env:NAME}, Connect-side
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


# ---------------------------------------------------------------------------------------- helpers


def environment(service: dict) -> dict[str, object]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "KEY=value" list form
        return {k: v for k, _, v in (item.partition("=") for item in env)}
    return dict(env)


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, enough for these tests."""

    def one(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op in (":-", "-"):
            return arg
        raise KeyError(f"${{{name}}} is not set" + (f": {arg}" if op in (":?", "?") else ""))

    return VARIABLE.sub(one, value)


def split_image(ref: str) -> tuple[str, str]:
    """("registry/repo", "tag"); the tag is what follows the last ':' after the last '/'."""
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    assert colon > slash, f"image {ref!r} has no tag"
    assert "@" not in ref, f"image {ref!r}: pin by tag, as versions.env does"
    return ref[:colon], ref[colon + 1 :]


def mounts(service: dict) -> list[tuple[str, str, bool]]:
    """(source, target, read_only) of every volume entry, short or long syntax."""
    found = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, str):
            parts = entry.split(":")
            source, target = parts[0], parts[1] if len(parts) > 1 else parts[0]
            options = parts[2].split(",") if len(parts) > 2 else []
            found.append((source, target, "ro" in options))
        else:
            found.append((entry.get("source", ""), entry["target"], bool(entry.get("read_only"))))
    return found


def bind_source(source: str) -> Path | None:
    return (ROOT / source).resolve() if source.startswith((".", "/")) else None


def command_tokens(value: object) -> list[str]:
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]


def healthcheck_command(service: dict) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    return test if isinstance(test, str) else " ".join(str(t) for t in test or [])
