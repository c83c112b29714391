"""Where the command line writes: results to stdout, progress and errors to stderr."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer
from rich.console import Console

err = Console(stderr=True, soft_wrap=True)  # errors stay one grep-able line
out = Console(width=None if sys.stdout.isatty() else 160)


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(1)
