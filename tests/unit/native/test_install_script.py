"""The system-package step installs nothing when the servers run elsewhere."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "infra" / "scripts" / "install-system-deps.sh"


@pytest.mark.parametrize("stack", ["docker", "external"])
def test_docker_and_external_stacks_need_no_debian_packages(stack):
    done = subprocess.run(
        ["/bin/bash", str(SCRIPT), "--with-browser"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "READSIDE_STACK": stack, "PATH": "/nonexistent"},
    )
    assert done.returncode == 0 and f"READSIDE_STACK={stack}: no system packages needed" in done.stdout
