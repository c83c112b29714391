"""What the demo says: options, live statistics, and the closing panel that tells people where to go next."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from rich.console import Console

from infra.demo import screens
from infra.demo.clients import Answer, DemoError
from infra.demo.live import LiveStats
from infra.demo.run import DemoOptions
from infra.demo.sales import sales_table
from infra.demo.workload import Command


def text_of(renderable) -> str:
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_quick_is_small_and_explicit_sizes_win():
    full, quick = DemoOptions.resolve(False, 42), DemoOptions.resolve(True, 42)
    assert quick.orders < 1000 <= full.orders and quick.duration_s < full.duration_s
    assert quick.customers < 100 <= full.customers and quick.products < 100 <= full.products
    custom = DemoOptions.resolve(True, 1, duration_s=3, orders=50)
    assert (custom.duration_s, custom.orders, custom.customers, custom.seed) == (3, 50, quick.customers, 1)


@pytest.mark.parametrize("sizes", [{"customers": 0}, {"products": 0}, {"orders": -1}, {"duration_s": -1}])
def test_impossible_sizes_are_refused_in_words(sizes):
    with pytest.raises(DemoError, match="at least"):
        DemoOptions.resolve(False, 42, **sizes)


def test_freshness_summary_is_median_p95_and_max():
    stats = LiveStats(10)
    for ms in range(1, 101):
        stats.record_probe(ms / 1000)
    stats.record_probe(None)
    median, p95, worst = stats.freshness_summary()
    assert (round(median * 1000), round(p95 * 1000), round(worst * 1000)) == (50, 96, 100)
    assert stats.behind == 1 and stats.last_probe_s is None


def test_commands_are_counted_by_kind_and_outcome():
    stats = LiveStats(10)
    stats.count(Command("pay_order", "POST", "/orders/1/pay"), Answer(200, {"id": 1, "consistency_token": "t"}, 0))
    stats.count(Command("pay_order", "POST", "/orders/2/pay"), Answer(409, {"detail": "x"}, 0))
    assert (stats.ok, stats.refused, stats.commands, stats.last_token) == (
        Counter(pay_order=1),
        Counter(pay_order=1),
        2,
        "t",
    )
    assert stats.rate() > 0


def test_the_live_view_shows_rate_freshness_and_the_command_table():
    stats = LiveStats(60)
    stats.ok.update(place_order=3)
    stats.record_probe(0.123)
    stats.kafka_lag = 7
    shown = text_of(screens.live_view(stats))
    assert "123 ms" in shown and "7 messages" in shown and "place order" in shown
    assert "sales" not in shown  # the sales hook shows nothing until /stats exists


def test_the_sales_hook_renders_rows_once_there_are_some():
    assert sales_table(None) is None
    rows = [{"period": "2026-11-26", "category": "kitchen", "orders": 3, "units": 5, "revenue": "99.50"}]
    assert "kitchen" in text_of(sales_table(rows)) and "99.50" in text_of(sales_table(rows))


def test_closing_says_where_the_docs_are_which_commands_exist_and_how_to_stop():
    shown = text_of(
        screens.closing(
            "http://127.0.0.1:8001",
            "http://127.0.0.1:8002",
            "http://127.0.0.1:9102",
            "http://127.0.0.1:8003",
            "file /x/write-api.token",
            native=True,
        )
    )
    for expected in (
        "http://127.0.0.1:8001/docs",
        "http://127.0.0.1:8002/docs",
        "http://127.0.0.1:8003/",
        "readside status",
        "readside verify",
        "readside down",
        "readside down --purge",
        "/x/write-api.token",
    ):
        assert expected in shown


def test_closing_for_a_stack_readside_does_not_manage_does_not_offer_down():
    shown = text_of(screens.closing("http://h:1", "http://h:2", "http://h:3", "http://h:4", "env", native=False))
    assert "readside down" not in shown and "stop it the way you started it" in shown
