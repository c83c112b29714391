"""The orders and customers read models on recorded envelopes: joins, fan-out, every arrival order, replays."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime

import pytest

from pipelines.core.envelope import decode_envelope
from pipelines.core.progress import SourceMark, SourceMarks
from pipelines.core.records import DocumentDeleted, Origin
from pipelines.core.rows import ENVELOPES
from pipelines.core.tables import StateTable
from pipelines.orders import routing
from pipelines.orders.customer_state import CustomersModel
from pipelines.orders.order_state import OrdersModel
from pipelines.orders.records import CustomerChanged, ForwardedMarks, ProductRenamed
from pipelines.orders.sales_state import SalesModel
from tests.unit.pipelines.partitioned import PartitionedTable
from tests.unit.pipelines.recorded import message, recorded

N = 4
NOW = datetime(2026, 11, 26, tzinfo=UTC)
ORDER, CUSTOMER, PRODUCT = 2, 5, 3  # the recorded order 2 of customer 5, two lines of product 3
CUSTOMER_ROW = {"id": CUSTOMER, "email": "ada@example.org", "name": "Ada Lovelace", "country": "GB"}


def routed(name: str, **patch) -> list:
    """The (partition, change) pairs the orders router makes of a recorded event; `patch` edits its value."""
    msg = message(name, **patch)
    table = msg.topic.rsplit(".", 1)[1]
    envelope = decode_envelope(msg.value, ENVELOPES[table], table)
    return routing.route(table, envelope, Origin(topic=msg.topic, partition=msg.partition, offset=msg.offset), N)


def customer_event(lsn: int, op: str = "c", **fields) -> list:
    value = recorded("customers.create")["value"]
    row = {**value["after"], **CUSTOMER_ROW, **fields}
    images = {"before": row, "after": None} if op == "d" else {"before": None, "after": row}
    return routed("customers.create", op=op, source={**value["source"], "lsn": lsn}, **images)


def order_event(lsn: int, **fields) -> list:
    value = recorded("orders.update")["value"]
    return routed(
        "orders.update", source={**value["source"], "lsn": lsn}, after={**value["after"], "status": "placed", **fields}
    )


TABLES = {"dict": dict, "partitioned": PartitionedTable}


@pytest.fixture(autouse=True, params=sorted(TABLES))
def new_table(request, monkeypatch):
    """Every test twice: over plain dicts, and over tables that keep partitions apart as the rocksdb store does."""
    monkeypatch.setattr(Pipeline, "new_table", staticmethod(TABLES[request.param]))


class Pipeline:
    """The three stages over in-memory tables, with customers and sales fed by what the orders stage passes on."""

    new_table = staticmethod(dict)

    def __init__(self) -> None:
        self.orders = OrdersModel(StateTable(self.new_table()), N, sales_topic="sales")
        self.customers = CustomersModel(StateTable(self.new_table()), N)
        self.sales = SalesModel(StateTable(self.new_table()), N, "sales_daily_v1", "product_sales_daily_v1")

    def feed(self, pairs: list) -> None:
        for partition, change in pairs:
            touched = self.orders.apply(change, partition)
            for order_id in touched:
                self.orders.document(order_id, NOW)
            self._pass_on()

    def _pass_on(self) -> None:
        for out in self.orders.outbox():
            model = self.sales if out.topic == "sales" else self.customers
            record = model.routed.validate_json(out.value)
            if model.marks(record, out.partition) is None:
                model.apply(record, out.partition)

    def sales_totals(self) -> dict[str, tuple[int, int, int]]:
        keys = {k.split("/", 1)[1] for k in self.sales.state.table if k.startswith("totals/")}
        return {k: (t.orders, t.units, t.cents) for k in sorted(keys) if (t := self.sales.totals(k))}

    def order(self) -> dict:
        return _plain(self.orders.document(ORDER, NOW))

    def customer(self) -> dict | None:
        return _plain(self.customers.document(CUSTOMER, NOW))


def _plain(document) -> dict | None:
    if document is None:
        return None
    data = document.model_dump(mode="json")
    data.pop("indexed_at", None)
    return data


EVENTS = {
    "customer": lambda: customer_event(100),
    "product": lambda: routed(
        "products.update", before={**recorded("products.update")["value"]["before"], "name": "Old name"}
    ),
    "order": lambda: routed("orders.create"),
    "line1": lambda: routed("order_items.create_line2"),
    "line2": lambda: routed("order_items.create"),
}


def _final_state(names: tuple[str, ...], duplicate: bool = False) -> tuple[dict, dict | None, dict]:
    pipeline = Pipeline()
    for name in names:
        pipeline.feed(EVENTS[name]())
        if duplicate:
            pipeline.feed(EVENTS[name]())
    return pipeline.order(), pipeline.customer(), pipeline.sales_totals()


def test_an_order_joins_its_customer_and_product_names_with_exact_totals():
    order, customer, sales = _final_state(("customer", "product", "order", "line1", "line2"))
    assert order["customer"] == {"id": CUSTOMER, "name": "Ada Lovelace", "email": "ada@example.org", "country": "GB"}
    assert [(i["line_no"], i["sku"], i["name"], i["quantity"], i["line_total"]) for i in order["items"]] == [
        (1, "REC-4db095a8", "Recorded Lamp II", 2, "49.00"),
        (2, "REC-4db095a8", "Recorded Lamp II", 1, "24.50"),
    ]
    assert (order["total"], order["total_cents"], order["status"]) == ("73.50", 7350, "placed")
    assert (customer["order_count"], customer["lifetime_value"], customer["lifetime_value_cents"]) == (1, "73.50", 7350)
    assert customer["last_order_at"] == order["placed_at"]
    day = order["placed_at"][:10]
    assert sales == {f"p|{day}|{PRODUCT}": (0, 3, 7350), f"s|{day}|lighting": (1, 3, 7350)}


def test_every_arrival_order_of_the_five_tables_gives_the_same_documents_even_with_duplicates():
    expected = _final_state(tuple(EVENTS))
    for names in itertools.permutations(EVENTS):
        assert _final_state(names) == expected, names
        assert _final_state(names, duplicate=True) == expected, names


def test_a_customer_rename_reaches_every_order_of_theirs_in_every_partition():
    pipeline = Pipeline()
    for name in EVENTS:
        pipeline.feed(EVENTS[name]())
    rename = customer_event(200, op="u", name="Ada King")
    assert len(rename) == N and {p for p, _ in rename} == set(range(N))
    touched = {p: pipeline.orders.apply(change, p) for p, change in rename}
    assert touched[ORDER % N] == [ORDER]  # the partition holding the order rebuilds it
    assert pipeline.order()["customer"]["name"] == "Ada King"
    pipeline._pass_on()
    assert pipeline.customer()["name"] == "Ada King"


def test_a_product_rename_reaches_its_orders_and_a_price_change_is_not_even_routed():
    pipeline = Pipeline()
    for name in EVENTS:
        pipeline.feed(EVENTS[name]())
    value = recorded("products.update")["value"]
    price_only = routed("products.update", after={**value["before"], "price": "99.00"})
    assert price_only == []
    renamed = routed(
        "products.update",
        source={**value["source"], "lsn": value["source"]["lsn"] + 10**9},
        after={**value["after"], "name": "Lamp Deluxe"},
    )
    assert all(isinstance(c, ProductRenamed) for _, c in renamed) and len(renamed) == N
    pipeline.feed(renamed)
    assert {i["name"] for i in pipeline.order()["items"]} == {"Lamp Deluxe"}
    assert pipeline.order()["source_lsn"] == value["source"]["lsn"] + 10**9


def test_erasure_leaves_orders_without_a_customer_and_no_customer_document():
    pipeline = Pipeline()
    for name in EVENTS:
        pipeline.feed(EVENTS[name]())
    erase = customer_event(10**10, op="d", email="", name="", country="")
    assert all(isinstance(c, CustomerChanged) and c.customer is None for _, c in erase)
    pipeline.feed(erase)
    assert pipeline.order()["customer"] is None  # the profile is gone even before the order's own update
    pipeline.feed(order_event(10**10 + 1, customer_id=None))
    order = pipeline.order()
    assert order["customer"] is None and order["customer_id"] is None
    assert isinstance(pipeline.customers.document(CUSTOMER, NOW), DocumentDeleted)
    assert "Ada" not in json.dumps(order)


def test_a_cancelled_order_is_retracted_from_its_customer_and_redelivery_does_not_count_twice():
    pipeline = Pipeline()
    for name in EVENTS:
        pipeline.feed(EVENTS[name]())
    pipeline.feed(order_event(10**10, status="cancelled"))
    pipeline.feed(EVENTS["line1"]())  # a redelivered line must not bring the order back
    customer = pipeline.customer()
    assert (customer["order_count"], customer["lifetime_value"], customer["last_order_at"]) == (0, "0.00", None)
    assert pipeline.order()["status"] == "cancelled"


def test_an_order_moved_to_another_customer_leaves_the_first():
    pipeline = Pipeline()
    for name in EVENTS:
        pipeline.feed(EVENTS[name]())
    pipeline.feed(order_event(10**10, customer_id=CUSTOMER + N))  # same customers partition, other customer
    assert pipeline.customer()["order_count"] == 0
    other = pipeline.customers.totals(CUSTOMER + N)
    assert (other.order_count, other.cents) == (1, 7350)


def test_document_versions_never_go_back_when_an_order_leaves_a_newer_customer():
    pipeline = Pipeline()
    for name in EVENTS:
        pipeline.feed(EVENTS[name]())
    pipeline.feed(customer_event(10**11, op="u", name="Renamed late"))  # the customer's newest row
    before = pipeline.order()["source_lsn"]
    pipeline.feed(order_event(10**10, customer_id=None))  # older than the rename, applied after it
    assert pipeline.order()["source_lsn"] >= before == 10**11


@pytest.mark.parametrize("via_order", [(0, 1, 2, 3), (3, 1, 0, 2)])
def test_a_source_partition_counts_as_applied_by_customers_once_every_orders_partition_passed_it_on(via_order):
    customers = CustomersModel(StateTable({}), N)
    mark = SourceMark(topic="readside.public.orders", partition=0, offset=9, lsn=500, ts_ms=1)
    reported = []
    for via in via_order:
        parts = customers.marks(ForwardedMarks(marks={via: (mark,)}), partition=1)
        reported.append(parts)
    assert reported[:-1] == [{}, {}, {}]
    assert reported[-1][(1, "readside.public.orders", 0)].offset == 9


def test_orders_stage_passes_marks_on_behind_the_contributions_of_its_batch():
    pipeline = Pipeline()
    orders = pipeline.orders
    for name in ("customer", "order"):
        for partition, change in EVENTS[name]():
            orders.apply(change, partition)
    marks = SourceMarks(marks=(SourceMark(topic="readside.public.orders", partition=0, offset=4),))
    parts = orders.marks(marks, ORDER % N)
    assert parts[(ORDER % N, "readside.public.orders", 0)].offset == 4
    for topic in (None, "sales"):  # each downstream stage: its messages, then the marks behind them
        kinds = [json.loads(o.value)["kind"] for o in orders.outbox() if o.topic == topic]
        assert kinds[-N:] == ["forwarded"] * N
        if topic is None:
            assert "contribution" in kinds[:-N] and "profile" in kinds[:-N]
        orders.marks(marks, ORDER % N)
    orders.marks(SourceMarks(marks=(SourceMark(topic="readside.public.orders", partition=0, offset=6),)), 1)
    forwarded = [json.loads(o.value) for o in orders.outbox() if o.topic is None]
    assert len(forwarded) == N and {via: [m["offset"] for m in ms] for via, ms in forwarded[0]["marks"].items()} == {
        str(ORDER % N): [4],
        "1": [6],
    }


def _snapshot(name: str, shift: int = 10**9, **fields) -> list:
    """A recorded event as a new Debezium snapshot reads it: op `r`, a later LSN, the row as it is now."""
    value = recorded(name)["value"]
    return routed(
        name,
        op="r",
        before=None,
        source={**value["source"], "lsn": value["source"]["lsn"] + shift},
        after={**value["after"], **fields},
    )


def test_a_new_snapshot_that_restates_every_row_fans_out_to_nothing_and_sends_nothing_on():
    pipeline = Pipeline()
    for name in EVENTS:
        pipeline.feed(EVENTS[name]())

    def contents() -> tuple:  # what a reader sees; the stamps may rise to the snapshot's LSN
        unstamped = [
            {k: v for k, v in doc.items() if not k.startswith("source_")}
            for doc in (pipeline.order(), pipeline.customer())
        ]
        return *unstamped, pipeline.sales_totals()

    before = contents()
    pipeline.orders.outbox()
    snapshot = [
        *customer_event(100 + 10**9, op="r"),
        *_snapshot("products.update"),
        *_snapshot("orders.create"),
        *_snapshot("order_items.create_line2"),
        *_snapshot("order_items.create"),
    ]
    assert all(pipeline.orders.apply(change, p) == [] for p, change in snapshot)
    assert pipeline.orders.outbox() == []  # no contribution, no profile, no sales share
    assert contents() == before


def test_a_snapshot_row_that_differs_applies_and_a_replay_is_still_passed_on():
    pipeline = Pipeline()
    for name in EVENTS:
        pipeline.feed(EVENTS[name]())
    replayed = routed("orders.create")  # the same LSN again: what a crash may have lost is sent again
    assert pipeline.orders.apply(replayed[0][1], replayed[0][0]) == [ORDER]
    pipeline.feed(_snapshot("order_items.create", quantity=5))
    assert [i["quantity"] for i in pipeline.order()["items"]] == [2, 5]
    pipeline.feed(customer_event(100 + 10**9, op="r", name="Ada King"))
    assert pipeline.order()["customer"]["name"] == pipeline.customer()["name"] == "Ada King"


def _line(order_id: int, lsn: int) -> list:
    value = recorded("order_items.create")["value"]
    return routed(
        "order_items.create",
        source={**value["source"], "lsn": lsn},
        after={**value["after"], "order_id": order_id, "line_no": 1},
    )


def test_a_hot_product_indexes_each_of_its_orders_under_its_own_small_key_and_a_rename_reaches_them_all():
    pipeline = Pipeline()
    pipeline.feed(EVENTS["product"]())
    orders = range(1000, 4000)
    for n, order_id in enumerate(orders):
        for partition, change in _line(order_id, 10**6 + n):
            pipeline.orders.apply(change, partition)
    table = pipeline.orders.state.table
    index_values = {k: v for k, v in (table.items() if hasattr(table, "items") else []) if k.startswith("by_product/")}
    assert len(index_values) == len(orders) and all(v == [] for v in index_values.values())  # none grows
    value = recorded("products.update")["value"]
    renamed = routed(
        "products.update", source={**value["source"], "lsn": 10**9}, after={**value["after"], "name": "Hot Lamp"}
    )
    touched = {order_id for partition, change in renamed for order_id in pipeline.orders.apply(change, partition)}
    assert touched == set(orders)


def test_reverse_index_lists_an_earlier_version_wrote_are_still_read():
    pipeline = Pipeline()
    pipeline.feed(EVENTS["product"]())
    pipeline.orders.state.put(f"by_product/{ORDER % N}/{PRODUCT}", [ORDER, 77], ORDER % N)
    for partition, change in _line(ORDER, 10**6):
        pipeline.orders.apply(change, partition)
    value = recorded("products.update")["value"]
    renamed = routed(
        "products.update", source={**value["source"], "lsn": 10**9}, after={**value["after"], "name": "Hot Lamp"}
    )
    touched = {p: pipeline.orders.apply(change, p) for p, change in renamed}
    assert sorted(touched[ORDER % N]) == [ORDER, 77]


def test_a_rename_that_leaves_every_sales_share_alone_sends_none_but_a_category_change_or_a_replay_does():
    pipeline = Pipeline()
    for name in EVENTS:
        pipeline.feed(EVENTS[name]())
    pipeline.orders.outbox()
    value = recorded("products.update")["value"]

    def shares_sent(lsn: int, **fields) -> int:
        for partition, change in routed(
            "products.update", source={**value["source"], "lsn": lsn}, after={**value["after"], **fields}
        ):
            for order_id in pipeline.orders.apply(change, partition):
                pipeline.orders.document(order_id, NOW)
        return sum(1 for out in pipeline.orders.outbox() if out.topic == "sales" and out.key != b"marks")

    assert shares_sent(10**9, name="Lamp Deluxe") == 0  # the name is not part of any sales key
    assert shares_sent(10**9 + 1, name="Lamp Deluxe", category="garden") > 0  # s|<day>|garden replaces lighting
    assert shares_sent(10**9 + 1, name="Lamp Deluxe", category="garden") > 0  # a replay sends them again
