"""Keep a worker process running: restart it after a crash (with backoff), stop it when we are told to stop.

The pipeline worker exits on purpose when a batch fails (acking a failed batch would lose it), and may be
SIGKILLed; in both cases a restart resumes from the last committed offsets, so restarting is the recovery.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Callable

HEALTHY_AFTER_S = 60.0  # a run this long resets the backoff
MAX_BACKOFF_S = 30.0


def supervise(argv: list[str], name: str, say: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> int:
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum: int, _frame) -> None:
        nonlocal stopping
        stopping = True
        if child and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    backoff = 0.5
    while True:
        began = time.monotonic()
        child = subprocess.Popen(argv)
        code = child.wait()
        if stopping:
            return code
        ran = time.monotonic() - began
        backoff = 0.5 if ran > HEALTHY_AFTER_S else min(backoff * 2, MAX_BACKOFF_S)
        say(f"{name} exited with {code} after {ran:.1f}s; restarting in {backoff:.1f}s")
        deadline = time.monotonic() + backoff
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.1)  # interruptible wait before the restart
        if stopping:
            return code
