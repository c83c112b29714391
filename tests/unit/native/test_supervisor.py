"""The supervisor every server and service runs under: backoff, exit descriptions, and a real crash loop."""

import os
import signal
import subprocess
import sys

from infra.native.supervisor import (
    MAX_BACKOFF_S,
    SupervisorState,
    crash_summary,
    describe_exit,
    group_members,
    next_backoff,
    read_state,
    wrap,
)
from infra.polling import poll_until


def test_the_wait_doubles_while_the_child_keeps_failing_and_resets_after_a_long_run():
    waits, wait = [], 0.0
    for _ in range(8):
        wait = next_backoff(wait, ran_s=1.0)
        waits.append(wait)
    assert waits[:4] == [0.5, 1.0, 2.0, 4.0] and waits[-1] == MAX_BACKOFF_S
    assert next_backoff(MAX_BACKOFF_S, ran_s=600.0) == 0.5


def test_an_exit_is_described_by_its_code_or_its_signal():
    assert describe_exit(3) == "exit 3"
    assert describe_exit(-signal.SIGKILL) == "SIGKILL"


def test_the_state_counts_restarts_and_keeps_the_last_exits():
    state = SupervisorState("kafka")
    state.started(100, now=0.0, restart=False)
    for n in range(12):
        state.exited(-9, ran_s=5.0, now=10.0 + n, backoff_s=2.0)
        assert state.child_pid is None and state.restart_at == 12.0 + n
        state.started(101 + n, now=12.0 + n, restart=True)
    assert state.restarts == 12 and len(state.history) == 10 and state.child_pid == 112
    assert crash_summary(state).startswith("SIGKILL after 5.0 s at ")


def test_a_crashing_child_is_restarted_with_backoff_until_the_supervisor_is_told_to_stop(tmp_path):
    state_file, runs = tmp_path / "job.state.json", tmp_path / "runs"
    child = [sys.executable, "-c", f"open({str(runs)!r}, 'a').write('x'); raise SystemExit(3)"]
    supervisor = subprocess.Popen(
        wrap(child, "job", state_file, None), start_new_session=True, stderr=subprocess.PIPE, text=True
    )
    try:
        state = poll_until(lambda: (s := read_state(state_file)) and s.restarts >= 2 and s, 20, "two restarts", 0.05)
        assert state.last_exit["how"] == "exit 3"
    finally:
        os.killpg(supervisor.pid, signal.SIGTERM)
    assert supervisor.wait(10) is not None
    assert len(runs.read_text()) >= 2  # the third run may be stopped before it writes
    assert "supervisor: job stopped (exit 3) after" in supervisor.stderr.read()


def test_the_members_of_a_process_group_are_found_in_proc_stat_lines():
    stats = {
        10: "10 (python3) S 1 10 10 0",
        11: "11 (uvicorn worker (1)) S 10 10 10 0",
        12: "12 (bash) S 1 12 12 0",
        13: "13 (postgres: backend) S 11 10 10 0",
    }
    assert group_members(stats, group=10, own_pid=10) == [11, 13]


def test_what_a_killed_child_leaves_in_the_group_is_stopped_before_the_restart(tmp_path):
    state_file, orphans = tmp_path / "job.state.json", tmp_path / "orphans"
    # The child starts a grandchild that would outlive it (as uvicorn's workers do), then dies at once.
    child = [
        sys.executable,
        "-c",
        "import subprocess, sys; "
        f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
        f"open({str(orphans)!r}, 'a').write(str(p.pid) + ' '); raise SystemExit(1)",
    ]
    supervisor = subprocess.Popen(
        wrap(child, "job", state_file, None), start_new_session=True, stderr=subprocess.PIPE, text=True
    )
    try:
        poll_until(lambda: (s := read_state(state_file)) and s.restarts >= 1, 20, "a restart", 0.05)
        first = int(orphans.read_text().split()[0])
        poll_until(
            lambda: not os.path.exists(f"/proc/{first}") or open(f"/proc/{first}/stat").read().split(") ")[1][0] == "Z",
            10,
            "the orphan to be stopped",
            0.05,
        )
    finally:
        os.killpg(supervisor.pid, signal.SIGKILL)
        supervisor.wait(10)
