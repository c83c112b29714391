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


JVM_DIR = Path("/usr/lib/jvm")


def find_search_java_home(configured: Path | None, java_home: Path, min_java: int, engine: str) -> Path:
    """The JDK for the search engine: `configured` (READSIDE_SEARCH_JAVA_HOME), else the stack's own when new
    enough, else the newest JDK in /usr/lib/jvm that is."""
    if configured:
        major = java_major(configured / "bin" / "java") if (configured / "bin" / "java").exists() else 0
        if major < min_java:
            raise StackError(f"READSIDE_SEARCH_JAVA_HOME={configured} is not a JDK {min_java}+, which {engine} needs")
        return configured
    if java_major(java_home / "bin" / "java") >= min_java:
        return java_home
    found = sorted(
        ((java_major(home / "bin" / "java"), home) for home in _installed_jdks()),
        reverse=True,
    )
    if found and found[0][0] >= min_java:
        return found[0][1]
    raise StackError(
        f"{engine} needs Java {min_java}+, and no such JDK was found (the stack's is {java_home}; "
        f"looked in {JVM_DIR}): install one there, or set READSIDE_SEARCH_JAVA_HOME to it"
    )


def _installed_jdks() -> list[Path]:
    if not JVM_DIR.is_dir():
        return []
    return [home for home in JVM_DIR.iterdir() if (home / "bin" / "java").exists() and not home.is_symlink()]
