"""The machine a benchmark ran on, for its results file (cores, RAM, CPU, OS, Python, load)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> dict[str, str]:
    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    return {
        "cpu": first("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "ram": first("/proc/meminfo", "MemTotal"),
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def append_results(path: Path, text: str) -> None:
    """Append a run's entry to its results file (made if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as out:
        out.write(text)
