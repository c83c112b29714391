"""Find processes by what their command line mentions (tests only): 'nothing of ours left running'."""

from __future__ import annotations

from pathlib import Path


def processes_mentioning(text: str) -> list[tuple[int, str]]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append((int(proc.name), cmdline[:200]))
    return found
