"""When the console restarts a failed connector task: at once, then with doubling waits, reset when healthy."""

from infra.console.watchdog import Backoff, failed_parts, trace_summary

RUNNING = {"state": "RUNNING", "trace": "", "tasks": [{"id": 0, "state": "RUNNING", "trace": ""}]}
FAILED_TASK = {
    "state": "RUNNING",
    "trace": "",
    "tasks": [
        {
            "id": 0,
            "state": "FAILED",
            "trace": "org.apache.kafka.connect.errors.ConnectException: slot lost\n\tat io.debezium…",
        }
    ],
}


def test_only_failed_parts_are_named():
    assert failed_parts(RUNNING) == []
    assert failed_parts(FAILED_TASK) == ["task 0"]
    assert failed_parts({**FAILED_TASK, "state": "FAILED"}) == ["connector", "task 0"]
    assert failed_parts({"state": "PAUSED", "trace": "", "tasks": []}) == []  # paused on purpose: left alone


def test_the_reason_is_the_traces_first_line_and_its_root_cause():
    assert trace_summary(FAILED_TASK) == "org.apache.kafka.connect.errors.ConnectException: slot lost"
    assert trace_summary(RUNNING) == ""
    nested = {
        **FAILED_TASK,
        "tasks": [
            {
                "id": 0,
                "state": "FAILED",
                "trace": (
                    "ConnectException: Tolerance exceeded in error handler\n\tat a.B(B.java:1)\n"
                    "Caused by: DataException: Value (c) was out of range\n\tat c.D\n"
                    'Caused by: java.lang.NumberFormatException: For input string: "c"\n\tat e.F'
                ),
            }
        ],
    }
    assert trace_summary(nested) == (
        "ConnectException: Tolerance exceeded in error handler (caused by "
        'java.lang.NumberFormatException: For input string: "c")'
    )


def test_restarts_back_off_and_reset_after_a_healthy_stretch():
    backoff = Backoff(first_s=5, max_s=20, healthy_after_s=60)
    assert backoff.due(0)
    backoff.restarted(0)
    assert not backoff.due(4.9) and backoff.due(5)
    backoff.restarted(5)
    backoff.restarted(15)
    backoff.restarted(35)
    assert backoff.wait_s == 20 and backoff.restarts == 4  # capped
    backoff.healthy(80)  # healthy, but not yet for 60 s past the last allowed restart
    assert backoff.wait_s == 20
    backoff.healthy(115)
    assert backoff.wait_s == 0 and backoff.failing_since is None
    backoff.restarted(200)
    assert backoff.next_at == 205
