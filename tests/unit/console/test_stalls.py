"""Health means progress: stalled committed offsets with lag, or a burst of dead letters, are problems."""

from infra.console.stalls import ProgressWatch


def test_a_quiet_pipeline_is_not_stalled():
    watch = ProgressWatch(stall_after_s=60)
    for now in range(0, 300, 10):
        assert watch.problems({"t": 100}, {"t": 0}, 0, now) == []


def test_lag_with_an_unmoving_committed_offset_is_a_stall_after_the_limit():
    watch = ProgressWatch(stall_after_s=60)
    assert watch.problems({"t": 100}, {"t": 5}, 0, 0) == []
    assert watch.problems({"t": 100}, {"t": 50}, 0, 59) == []
    [problem] = watch.problems({"t": 100}, {"t": 80}, 0, 60)
    assert "t: 80 messages waiting" in problem and "60 s" in problem
    assert watch.problems({"t": 101}, {"t": 80}, 0, 70) == []  # it moved: healthy again


def test_dead_letters_alarm_above_the_rate_in_the_last_minute():
    watch = ProgressWatch(dead_letters_per_min=10)
    assert watch.problems({}, {}, 100, 0) == []  # letters from before the console started are history
    assert watch.problems({}, {}, 110, 30) == []  # 10 in a minute: at the limit
    [problem] = watch.problems({}, {}, 111, 40)
    assert "11 dead letters" in problem
    assert watch.problems({}, {}, 111, 101) == []  # a minute later the burst has aged out
    assert watch.problems({}, {}, 3, 110) == []  # a worker restart resets its counters


def test_source_topics_a_backfill_paused_are_not_stalled_but_internal_ones_can_be():
    watch = ProgressWatch(stall_after_s=60)
    committed = {"readside.public.products": 10, "readside-pipeline-products-changes": 5}
    lag = {"readside.public.products": 900, "readside-pipeline-products-changes": 3}
    watch.problems(committed, lag, 0, 0, paused=True)
    [problem] = watch.problems(committed, lag, 0, 61, paused=True)
    assert problem.startswith("readside-pipeline-products-changes")


def test_elasticsearch_refusing_writes_is_a_problem_at_once_and_says_what_to_lift():
    watch = ProgressWatch(stall_after_s=60)
    [problem] = watch.problems({"t": 100}, {"t": 5}, 0, 0, refused={"products_v1": "403 cluster_block_exception"})
    assert "refuses writes to products_v1" in problem and "index.blocks.write" in problem
    assert watch.problems({"t": 101}, {"t": 0}, 0, 2, refused={}) == []
