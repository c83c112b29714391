"""Print the pinned requirements the compose registrar needs (or, with --all, the pipeline image), from pyproject.toml.

The `register-connectors` service of docker-compose.yml runs the project's own registrar
(`python -m infra.cli.main connectors apply`) on a stock Python image. It installs only the
third-party packages that `infra.cli.main` imports at module level, at the exact versions
pyproject.toml pins, so there is no second list of versions to drift.
tests/unit/test_compose.py checks that REGISTRAR_PACKAGES covers the CLI's imports.

The pipeline worker's image (infra/compose/pipeline.Dockerfile) installs every dependency line: `--all`.

Usage: python registrar_requirements.py [--all] [path/to/pyproject.toml]  (standard library only)
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


def requirements(pyproject: Path, everything: bool = False) -> list[str]:
    """The pyproject dependency lines (with their pins and extras) of every registrar package, or of all."""
    with pyproject.open("rb") as handle:
        dependencies = tomllib.load(handle)["project"]["dependencies"]
    by_name: dict[str, str] = {}
    for line in dependencies:
        match = _NAME.match(line)
        if match:
            by_name[_normalize(match.group(1))] = line.strip()
    wanted = sorted(by_name if everything else {_normalize(dist) for dist in REGISTRAR_PACKAGES.values()})
    missing = [dist for dist in wanted if dist not in by_name]
    if missing:
        raise SystemExit(f"{pyproject}: no dependency line for {', '.join(missing)}")
    unpinned = [by_name[dist] for dist in wanted if "==" not in by_name[dist]]
    if unpinned:
        raise SystemExit(f"{pyproject}: not pinned with ==: {', '.join(unpinned)}")
    return [by_name[dist] for dist in wanted]


if __name__ == "__main__":
    args = [arg for arg in sys.argv[1:] if arg != "--all"]
    path = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "pyproject.toml"
    print("\n".join(requirements(path, everything="--all" in sys.argv[1:])))
