"""Print the pinned requirements the compose registrar needs, taken from pyproject.toml.

The `register-connectors` service of docker-compose.yml runs the project's own registrar
(`python -m infra.cli.main connectors apply`) on a stock Python image. It installs only the
third-party packages that `infra.cli.main` imports at module level, at the exact versions
pyproject.toml pins, so there is no second list of versions to drift.
tests/unit/test_compose.py checks that REGISTRAR_PACKAGES covers the CLI's imports.

Usage: python registrar_requirements.py [path/to/pyproject.toml]  (standard library only)
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

# import name -> distribution name, for every third-party module infra.cli.main imports at load time
REGISTRAR_PACKAGES: dict[str, str] = {
    "typer": "typer",
    "rich": "rich",
    "httpx": "httpx",
    "tenacity": "tenacity",
    "pydantic": "pydantic",
    "pydantic_settings": "pydantic-settings",
    "psycopg": "psycopg",
}

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(pyproject: Path) -> list[str]:
    """The pyproject dependency lines (with their pins and extras) of every registrar package."""
    with pyproject.open("rb") as handle:
        dependencies = tomllib.load(handle)["project"]["dependencies"]
    by_name: dict[str, str] = {}
    for line in dependencies:
        match = _NAME.match(line)
        if match:
            by_name[_normalize(match.group(1))] = line.strip()
    wanted = sorted({_normalize(dist) for dist in REGISTRAR_PACKAGES.values()})
    missing = [dist for dist in wanted if dist not in by_name]
    if missing:
        raise SystemExit(f"{pyproject}: no dependency line for {', '.join(missing)}")
    unpinned = [by_name[dist] for dist in wanted if "==" not in by_name[dist]]
    if unpinned:
        raise SystemExit(f"{pyproject}: not pinned with ==: {', '.join(unpinned)}")
    return [by_name[dist] for dist in wanted]


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "pyproject.toml"
    print("\n".join(requirements(path)))
