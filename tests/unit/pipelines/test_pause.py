"""The pause endpoint's checks, on plain data: a bounded, finite pause, asked for with the control token."""
import pytest

from pipelines.core.pause import pause_seconds, refusal


@pytest.mark.parametrize("raw, expected", [("30", 30.0), ("0.5", 0.5), ("300", 300.0)])
def test_a_finite_pause_within_the_limit_is_granted(raw, expected):
    assert pause_seconds(raw, 300) == expected


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "-1", "0", "301", "", None, "soon"])
def test_anything_else_is_refused_with_the_reason(raw):
    assert "seconds must be" in pause_seconds(raw, 300)


def test_the_control_token_is_required_and_compared():
    assert refusal("Bearer s3cret", "s3cret") is None
    assert refusal("bearer s3cret", "s3cret") is None
    assert refusal(None, "s3cret")[0] == 401
    assert refusal("Bearer nope", "s3cret")[0] == 401
    assert refusal("Basic s3cret", "s3cret")[0] == 401
    assert refusal("Bearer anything", None)[0] == 403  # no token configured: the endpoint is off


def test_pausing_leaves_the_set_a_batch_in_flight_holds_as_it_was():
    from pipelines.core.pause import swap_flow

    class Consumer:  # the two sets Faust's consumer keeps, and how it hands them to a fetch
        def __init__(self):
            self._active_partitions, self._paused_partitions = {"orders-0", "orders-1", "changes-0"}, set()

        def _get_active_partitions(self):
            return self._active_partitions

    consumer = Consumer()
    in_flight = consumer._get_active_partitions()  # what getmany checks each fetched record against
    swap_flow(consumer, paused={"orders-0", "orders-1"})
    assert in_flight == {"orders-0", "orders-1", "changes-0"}  # the batch is handed on whole
    assert consumer._get_active_partitions() == {"changes-0"} and consumer._paused_partitions == {"orders-0",
                                                                                                  "orders-1"}
    swap_flow(consumer, resumed={"orders-0", "orders-1"})
    assert consumer._get_active_partitions() == in_flight and consumer._paused_partitions == set()
