"""The console's figures from the worker's cumulative metrics: rates and windowed quantiles."""

import math

from prometheus_client.parser import text_string_to_metric_families

from infra.console.history import History, Scrape, bucket_delta, quantile, rates, scrape_from_families

METRICS = """# TYPE readside_pipeline_events_total counter
readside_pipeline_events_total{projection="products",topic="readside.public.products"} 120.0
readside_pipeline_events_total{projection="products",topic="readside.public.inventory"} 30.0
readside_pipeline_events_total{projection="products",topic="readside.public.debezium_heartbeat"} 999.0
readside_pipeline_events_total{projection="orders",topic="readside.public.orders"} 10.0
readside_pipeline_events_total{projection="orders",topic="readside.public.products"} 120.0
# TYPE readside_documents_written_total counter
readside_documents_written_total{index="products_v1"} 140.0
# TYPE readside_freshness_seconds histogram
readside_freshness_seconds_bucket{le="0.1",projection="products"} 90.0
readside_freshness_seconds_bucket{le="1.0",projection="products"} 100.0
readside_freshness_seconds_bucket{le="+Inf",projection="products"} 100.0
readside_freshness_seconds_count{projection="products"} 100.0
# TYPE readside_dead_letters_total counter
readside_dead_letters_total{projection="products",reason="undecodable"} 2.0
readside_dead_letters_total{projection="orders",reason="undecodable"} 1.0
# TYPE readside_sink_refused gauge
readside_sink_refused{index="products_v1",reason="403 cluster_block_exception: blocked"} 1.0
readside_sink_refused{index="orders_v1",reason="400 index_closed_exception: closed"} 0.0
"""


def test_a_scrape_counts_source_changes_per_router_and_once_in_all_without_heartbeats():
    scrape = scrape_from_families(text_string_to_metric_families(METRICS), 10.0)
    assert scrape.events_in == {"products": 150.0, "orders": 130.0}
    assert scrape.source_changes == 160.0  # products changes once, though both routers read them
    assert scrape.documents_out == {"products_v1": 140.0}
    assert scrape.freshness == {"products": {0.1: 90.0, 1.0: 100.0, math.inf: 100.0}}
    assert scrape.dead_letters == {"undecodable": 3.0}
    assert scrape.sink_refused == {"products_v1": "403 cluster_block_exception: blocked"}


def test_quantiles_interpolate_within_a_bucket_like_prometheus():
    buckets = {0.1: 90.0, 1.0: 100.0, math.inf: 100.0}
    assert abs(quantile(buckets, 0.5) - 0.1 * 50 / 90) < 1e-12
    assert abs(quantile(buckets, 0.99) - (0.1 + 0.9 * 9 / 10)) < 1e-9
    assert quantile({0.1: 0.0, math.inf: 0.0}, 0.5) is None
    assert quantile({0.1: 0.0, math.inf: 5.0}, 0.5) == 0.1  # beyond the last finite bound: that bound


def test_deltas_and_rates_survive_a_worker_restart():
    assert bucket_delta({0.1: 5.0, math.inf: 8.0}, {0.1: 2.0, math.inf: 3.0}) == {0.1: 3.0, math.inf: 5.0}
    assert bucket_delta({0.1: 1.0, math.inf: 1.0}, {0.1: 2.0, math.inf: 3.0}) == {0.1: 1.0, math.inf: 1.0}
    assert rates({"a": 30.0, "b": 4.0}, {"a": 10.0, "b": 8.0}, 2.0) == {"a": 10.0, "b": 2.0}
    assert rates({"a": 30.0}, {}, 0.0) == {"a": 0.0}


def test_history_keeps_a_window_and_reports_the_last_minute():
    history = History(keep_s=100.0, window_s=60.0)

    def scrape(at, events, fast, total):
        return Scrape(at, {"products": events}, events, {}, {"products": {0.1: fast, math.inf: total}}, {})

    history.add(scrape(0.0, 0.0, 0.0, 0.0))
    history.add(scrape(50.0, 100.0, 100.0, 100.0))  # a minute of fast changes
    point = history.add(scrape(100.0, 200.0, 100.0, 200.0))  # then slow ones
    assert point["changes_in_per_s"] == {"products": 2.0} and point["source_changes_per_s"] == 2.0
    assert point["freshness"]["products"]["count"] == 100.0  # only the last 60 s: from the scrape at 50
    assert point["freshness"]["products"]["p50_s"] == 0.1
    history.add(scrape(201.0, 200.0, 100.0, 200.0))
    assert [p["at"] for p in history.points] == [201.0]
