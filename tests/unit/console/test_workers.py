"""Several pipeline workers' counters as one, each kept monotonic across its restarts (infra/console/workers.py)."""

import math

from infra.console.history import History, Scrape
from infra.console.workers import Workers


def scrape(at: float, events: float, documents: float, fast: float, paused: bool = False) -> Scrape:
    freshness = {"orders": {0.1: fast, math.inf: events}}
    return Scrape(at, {"orders": events}, events, {"orders_v1": documents}, freshness, {}, paused)


def test_two_workers_are_summed():
    combined = Workers().combine(1.0, {"w1": scrape(1, 100, 90, 80), "w2": scrape(1, 50, 40, 30, paused=True)})
    assert combined.events_in == {"orders": 150} and combined.source_changes == 150
    assert combined.documents_out == {"orders_v1": 130}
    assert combined.freshness == {"orders": {0.1: 110, math.inf: 150}}
    assert combined.source_paused  # a backfill paused at least one of them


def test_a_worker_restart_neither_resets_nor_inflates_the_sum():
    workers, history = Workers(), History()
    history.add(workers.combine(0.0, {"w1": scrape(0, 100, 100, 100), "w2": scrape(0, 100, 100, 100)}))
    point = history.add(workers.combine(1.0, {"w1": scrape(1, 110, 110, 110), "w2": scrape(1, 5, 5, 5)}))
    # worker 2 restarted and counted 5 since: 10 + 5 new changes in that second, not 215
    assert point["changes_in_per_s"] == {"orders": 15.0}
    point = history.add(workers.combine(2.0, {"w1": scrape(2, 120, 120, 120)}))  # worker 2 gone: its counts stay
    assert point["changes_in_per_s"] == {"orders": 10.0}


def test_the_console_scrapes_every_worker_the_status_lists(tmp_path):
    from infra.console.sampler import worker_metrics_urls
    from infra.settings import StackSettings

    settings = StackSettings(data_dir=tmp_path, pipeline_metrics_port=9102)
    services = {"pipeline-2": {"url": "http://127.0.0.1:9103"}, "pipeline": {"url": "http://127.0.0.1:9102"}}
    status = {"services": {**services, "query-api": {"url": "http://127.0.0.1:8002"}}}
    assert worker_metrics_urls(settings, status) == ["http://127.0.0.1:9102/metrics", "http://127.0.0.1:9103/metrics"]
    assert worker_metrics_urls(settings, {}) == ["http://127.0.0.1:9102/metrics"]  # a stack readside does not run
