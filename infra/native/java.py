"""Find a JDK 17+ for Kafka, Connect and Elasticsearch, or say clearly that there is none."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from infra.native.process import StackError

MIN_JAVA = 17


def find_java_home(configured: Path | None) -> Path:
    candidates: list[Path] = []
    if configured:
        candidates.append(configured)
    else:
        if os.environ.get("JAVA_HOME"):
            candidates.append(Path(os.environ["JAVA_HOME"]))
        on_path = shutil.which("java")
        if on_path:
            candidates.append(Path(on_path).resolve().parent.parent)
    for home in candidates:
        java = home / "bin" / "java"
        if java.exists():
            major = java_major(java)
            if major >= MIN_JAVA:
                return home
            raise StackError(
                f"{java} is Java {major}; readside needs Java {MIN_JAVA}+ (run `make deps` or set READSIDE_JAVA_HOME)"
            )
    where = f" at {configured}" if configured else " (JAVA_HOME unset, no java on PATH)"
    raise StackError(
        f"no Java found{where}: run `make deps` (apt-get install openjdk-17-jdk-headless) "
        "or set READSIDE_JAVA_HOME to a JDK 17+"
    )


def java_major(java: Path) -> int:
    result = subprocess.run([str(java), "-version"], capture_output=True, text=True)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not match:
        raise StackError(f"could not read the version of {java}: {result.stderr.strip()}")
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 else major
