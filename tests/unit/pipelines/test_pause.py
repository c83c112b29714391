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


def test_a_pause_holds_the_source_partitions_only_while_it_lasts():
    """What the consumer keeps paused when Faust's recovery resumes every stream partition after a rebalance."""
    from types import SimpleNamespace

    from pipelines.core.pause import SourcePause

    app = SimpleNamespace()
    pause = SourcePause(app, {"readside.public.orders"}, limit_s=60)
    assert app.source_pause is pause
    source, internal = SimpleNamespace(topic="readside.public.orders"), SimpleNamespace(topic="orders-changes")
    assert not pause.holds(source)
    pause.active = True
    assert pause.holds(source) and not pause.holds(internal)
