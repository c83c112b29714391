"""The two stages as the agents run them, on recorded events: poison goes aside, order of effects holds."""

from __future__ import annotations

import asyncio
import base64
import json

from pipelines.core.deadletters import DeadLetters
from pipelines.core.projector import Projector
from pipelines.core.router import ChangeRouter, Outlet, pack_changes, unpack_changes
from pipelines.core.sink import IndexAction
from pipelines.metrics import DEAD_LETTERS
from pipelines.products.routing import SOURCE_TABLES, route
from tests.unit.pipelines.recorded import Event, Message, message, state

CHANGES = "app-products-changes"


def _router(sent):
    async def send(*args):
        sent.append(args)

    outlet = Outlet(projection="products", tables=frozenset(SOURCE_TABLES), changes_topic=CHANGES, route=route)
    return ChangeRouter(
        outlets=[outlet],
        table_of_topic={f"readside.public.{t}": t for t in SOURCE_TABLES},
        partitions=4,
        send=send,
        dead_letters=DeadLetters(send, "dlq"),
    )


def test_a_poison_event_is_dead_lettered_counted_and_the_next_event_still_routed():
    sent = []
    garbage = Message("readside.public.products", 1, 99, b'{"id":1}', b"\x00not json")
    before = DEAD_LETTERS.labels("products", "bad_json")._value.get()
    asyncio.run(_router(sent).route([Event(garbage), Event(message("products.update"))]))
    dlq = [s for s in sent if s[0] == "dlq"]
    assert len(dlq) == 1 and json.loads(dlq[0][2])["source"]["offset"] == 99
    assert DEAD_LETTERS.labels("products", "bad_json")._value.get() == before + 1
    data = [s for s in sent if s[0] == CHANGES and s[1] != b"marks"]
    assert [(s[1], s[3]) for s in data] == [(b"changes", 3)]


def test_marks_follow_the_batch_in_every_partition_and_cover_poison_and_tombstones():
    sent = []
    events = [
        Event(message("orders.update")),
        Event(message("products.tombstone")),
        Event(Message("readside.public.products", 1, 99, None, b"{}")),
    ]
    asyncio.run(_router(sent).route(events))
    changes = [s for s in sent if s[0] == CHANGES]
    marks = [s for s in changes if s[1] == b"marks"]
    assert changes[-4:] == marks and [m[3] for m in marks] == [0, 1, 2, 3]
    covered = {(m["topic"], m["partition"]): m["offset"] for m in json.loads(marks[0][2])["marks"]}
    tomb = message("products.tombstone")
    assert covered[(tomb.topic, tomb.partition)] == tomb.offset
    assert covered[("readside.public.products", 1)] == 99


class FakeSink:
    def __init__(self, calls):
        self.calls = calls

    async def write(self, actions, refresh=False):
        self.calls.append(("sink", [a.id for a in actions]))
        self.actions = list(actions)
        return []


class FakeCheckpoints:
    def __init__(self, calls):
        self.calls = calls

    def submit(self, parts):
        self.calls.append(("checkpoints", sorted(parts)))


def _projector(calls, sent):
    async def flush():
        calls.append(("flush",))

    async def send(*args):
        sent.append(args)

    return Projector(
        projection="products",
        index="products_v1",
        alias="products",
        rejections_index="readside_rejections",
        model=state(),
        sink=FakeSink(calls),
        checkpoints=FakeCheckpoints(calls),
        dead_letters=DeadLetters(send, "dlq"),
        flush=flush,
    )


async def _routed_events(names):
    sent = []
    await _router(sent).route([Event(message(n)) for n in names])
    return [Event(Message(CHANGES, s[3], i, s[1], s[2])) for i, s in enumerate(sent) if s[0] == CHANGES]


def test_the_changelog_is_flushed_before_the_bulk_and_checkpoints_come_after_it():
    calls, sent = [], []
    events = asyncio.run(_routed_events(["products.update", "inventory.update"]))
    asyncio.run(_projector(calls, sent).project(events))
    assert [c[0] for c in calls] == ["flush", "sink", "checkpoints"]
    assert calls[1][1] == ["3"]
    assert ("readside.public.products", 3) in {(t, p) for _, t, p in calls[2][1]}


def test_changes_bound_for_a_partition_travel_together_in_messages_of_bounded_size():
    changes = [b'{"n":%d,"text":"a\\nb"}' % i for i in range(100)]  # an escaped newline stays escaped
    messages = pack_changes(changes, max_bytes=500)
    assert all(len(m) <= 500 for m in messages) and len(messages) > 1
    assert [c for m in messages for c in unpack_changes(m)] == changes
    assert pack_changes([b"x" * 600], max_bytes=500) == [b"x" * 600]  # one change too large still goes
    assert unpack_changes(b'{"kind":"marks"}') == [b'{"kind":"marks"}']


def test_a_bad_change_in_a_message_is_dead_lettered_alone_and_its_neighbours_applied():
    calls, sent = [], []
    events = asyncio.run(_routed_events(["products.update", "inventory.update"]))
    changes = unpack_changes(events[0].message.value)
    mixed = Event(
        Message(CHANGES, 3, 0, b"changes", b"\n".join([changes[0], b'{"kind":"product","lsn":"x"}', changes[1]]))
    )
    projector = _projector(calls, sent)
    asyncio.run(projector.project([mixed] + events[1:]))
    letters = [json.loads(s[2]) for s in sent if s[0] == "dlq"]
    assert len(letters) == 1 and base64.b64decode(letters[0]["value_b64"]) == b'{"kind":"product","lsn":"x"}'
    assert json.loads(projector.sink.actions[0].document)["on_hand"] == 7


def test_a_change_that_cannot_be_read_is_dead_lettered_and_the_rest_applied():
    calls, sent = [], []
    events = asyncio.run(_routed_events(["products.update"]))
    bad = Event(Message(CHANGES, 3, 500, b"3", b'{"kind":"product","lsn":"x"}'))
    asyncio.run(_projector(calls, sent).project([bad] + events))
    assert len([s for s in sent if s[0] == "dlq"]) == 1
    assert ("sink", ["3"]) in calls


def test_document_actions_use_the_newest_lsn_as_version():
    calls, sent = [], []
    projector = _projector(calls, sent)
    events = asyncio.run(_routed_events(["products.update", "inventory.update"]))
    asyncio.run(projector.project(events))
    actions: list[IndexAction] = projector.sink.actions
    assert len(events) == 5  # both changes in one message, then a marks message per partition
    assert actions[0].version == max(
        json.loads(change).get("lsn", 0) for e in events for change in unpack_changes(e.message.value)
    )
    document = json.loads(actions[0].document)
    assert document["on_hand"] == 7 and document["price"] == "24.50"


def test_changelog_writes_go_to_the_named_partition_in_the_tables_bytes_and_durable_awaits_the_acks():
    import faust

    from pipelines.runtime.tables import ChangelogWrites, json_table, one_by_one

    app = faust.App("unit-changelog", broker="kafka://127.0.0.1:1")  # never started: no broker is contacted
    table = json_table(app, "state", 4, "a test table")
    sent, acks = [], []

    async def send(topic, key, value, partition, timestamp, headers):
        ack = asyncio.get_running_loop().create_future()
        sent.append((topic, key, value, partition))
        acks.append(ack)
        return ack

    async def scenario():
        writes = ChangelogWrites(one_by_one(send))
        writes(table, "units/7", {"total": 1}, 3)
        writes(table, "order/3/9", {"status": "paid"}, 3)
        assert table.data["units/7"] == {"total": 1} and not sent  # the store at once, Kafka on durable()
        waiting = asyncio.ensure_future(writes.durable())
        await asyncio.sleep(0)
        assert [(t, json.loads(k), json.loads(v), p) for t, k, v, p in sent] == [
            ("unit-changelog-state-changelog", "units/7", {"total": 1}, 3),
            ("unit-changelog-state-changelog", "order/3/9", {"status": "paid"}, 3),
        ]  # in the order made
        key, _ = table.changelog_topic.prepare_key("units/7", table.key_serializer)
        assert sent[0][1] == key  # the bytes Faust's own changelog send and its recovery use
        assert not waiting.done()  # not durable until Kafka acknowledged every write
        acks[0].set_result(None)
        await asyncio.sleep(0)
        assert not waiting.done()
        acks[1].set_result(None)
        await waiting

    asyncio.run(scenario())


def test_one_router_serves_every_projection_that_reads_a_table():
    from pipelines.orders import routing as orders_routing

    sent = []

    async def send(*args):
        sent.append(args)

    outlets = [
        Outlet(projection="products", tables=frozenset(SOURCE_TABLES), changes_topic=CHANGES, route=route),
        Outlet(
            projection="orders",
            tables=frozenset(orders_routing.SOURCE_TABLES),
            changes_topic="app-orders-changes",
            route=orders_routing.route,
        ),
    ]
    tables = set(SOURCE_TABLES) | set(orders_routing.SOURCE_TABLES)
    router = ChangeRouter(
        outlets=outlets,
        table_of_topic={f"readside.public.{t}": t for t in tables},
        partitions=4,
        send=send,
        dead_letters=DeadLetters(send, "dlq"),
    )
    garbage = Message("readside.public.products", 1, 99, b'{"id":1}', b"\x00not json")
    created = message("products.create")  # a new product: its stock for products, its name for every orders partition
    customer = message("customers.update")  # read by the orders projection only
    asyncio.run(router.route([Event(garbage), Event(created), Event(customer)]))
    letters = [json.loads(s[2]) for s in sent if s[0] == "dlq"]
    assert sorted(letter["projection"] for letter in letters) == ["orders", "products"]  # each lost it
    data = [(s[0], s[3]) for s in sent if s[1] != b"marks" and s[0] != "dlq"]
    assert [p for t, p in data if t == CHANGES] == [created_partition(created)]
    assert {p for t, p in data if t == "app-orders-changes"} == {0, 1, 2, 3}
    products_marks = [json.loads(s[2]) for s in sent if s[0] == CHANGES and s[1] == b"marks"][0]["marks"]
    assert {m["topic"] for m in products_marks} == {"readside.public.products"}  # not the customers topic


def created_partition(msg) -> int:
    return json.loads(msg.value)["after"]["id"] % 4


def test_after_a_seek_to_the_committed_offsets_each_projection_is_marked_routed_up_to_them():
    """A partition with no event since its group began mid-topic gets a checkpoint all the same."""
    from faust.types import TP

    sent = []
    router = _router(sent)
    committed = {
        TP("readside.public.inventory", 2): 41,
        TP("readside.public.products", 0): 7,
        TP("readside.public.customers", 1): 5,  # a topic the products projection does not read
        TP("readside.public.products", 3): 0,
    }  # nothing below offset 0: nothing to claim
    asyncio.run(router.announce_committed(committed))
    marks = [s for s in sent if s[0] == CHANGES and s[1] == b"marks"]
    assert [m[3] for m in marks] == [0, 1, 2, 3]
    covered = {(m["topic"], m["partition"]): (m["offset"], m["lsn"]) for m in json.loads(marks[0][2])["marks"]}
    assert covered == {("readside.public.inventory", 2): (40, None), ("readside.public.products", 0): (6, None)}
    asyncio.run(router.announce_committed({}))
    assert len(sent) == 4
