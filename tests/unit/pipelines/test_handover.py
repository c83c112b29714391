"""The handover from a backfill to the stream (pipelines/core/handover.py), as the projector runs it."""

from __future__ import annotations

import asyncio
import json

from pipelines.core.handover import (
    CaughtUp,
    Floor,
    HandoverState,
    Indexed,
    after_floor,
    after_indexed,
    capped,
    goes_live,
    indexes,
)
from pipelines.core.progress import Progress
from tests.unit.pipelines.recorded import Event, Message
from tests.unit.pipelines.test_agents import CHANGES, _projector, _routed_events

PRODUCT_LSN, STOCK_LSN = 171410832, 171413792  # products.update and inventory.update, both of product 3
FLOOR = 171412000  # between them: the backfill saw the product change, not the stock change


def _to_partition(record, partition: int = 3, offset: int = 0) -> Event:
    return Event(Message(CHANGES, partition, offset, b"changes", record.model_dump_json().encode()))


def test_a_floor_replaces_only_an_older_handover_and_only_its_own_caught_up_ends_it():
    pending = after_floor(None, Floor(lsn=10, ts_ms=1))
    assert pending == HandoverState(lsn=10, live=False)
    assert after_floor(pending, Floor(lsn=10, ts_ms=1)) is None  # a replay
    assert after_floor(HandoverState(lsn=10, live=True), Floor(lsn=20, ts_ms=2)) == HandoverState(lsn=20)
    assert goes_live(pending, CaughtUp(lsn=10))
    assert not goes_live(pending, CaughtUp(lsn=9))  # from a backfill a newer one replaced
    assert not goes_live(HandoverState(lsn=10, live=True), CaughtUp(lsn=10))
    assert not goes_live(None, CaughtUp(lsn=10))


def test_pending_indexes_nothing_live_indexes_only_changes_past_the_floor():
    assert indexes(None, 5)
    assert not indexes(HandoverState(lsn=10), 11) and not indexes(HandoverState(lsn=10), 5)
    live = HandoverState(lsn=10, live=True)
    assert indexes(live, 11) and not indexes(live, 10) and indexes(live, None)


def test_a_backfill_run_again_moves_the_floor_but_not_the_checkpoints_cap_until_it_is_live():
    first = after_floor(None, Floor(lsn=10, ts_ms=1))  # this backfill dies before its hand-over
    again = after_floor(first, Floor(lsn=30, ts_ms=3))
    assert again == HandoverState(lsn=30, cap=10)
    assert capped(Progress(offset=9, lsn=25), again).lsn == 10  # changes 11..30 are folded, not indexed
    indexed = after_indexed(again, Indexed(lsn=30))  # its documents hold 11..30 now
    assert indexed == HandoverState(lsn=30) and capped(Progress(offset=9, lsn=25), indexed).lsn == 25
    assert after_indexed(again, Indexed(lsn=10)) is None  # the dead backfill's: changes nothing
    assert after_indexed(indexed, Indexed(lsn=30)) is None
    assert goes_live(again, CaughtUp(lsn=30)) and not goes_live(again, CaughtUp(lsn=10))
    live = again.model_copy(update={"live": True})
    assert capped(Progress(offset=9, lsn=25), live).lsn == 25
    assert after_floor(live, Floor(lsn=40, ts_ms=4)) == HandoverState(lsn=40)  # a new backfill caps anew


def test_checkpoints_claim_no_lsn_past_a_pending_floor():
    assert capped(Progress(offset=5, lsn=20), HandoverState(lsn=10)).lsn == 10
    assert capped(Progress(offset=5, lsn=8), HandoverState(lsn=10)).lsn == 8
    assert capped(Progress(offset=5, lsn=20), HandoverState(lsn=10, live=True)).lsn == 20
    assert capped(Progress(offset=5, lsn=None), HandoverState(lsn=10)).lsn is None


def test_a_partition_folds_changes_while_pending_and_indexes_what_waited_once_caught_up():
    calls, sent = [], []
    projector = _projector(calls, sent)
    routed = asyncio.run(_routed_events(["products.update", "inventory.update"]))
    floor = [_to_partition(Floor(lsn=FLOOR, ts_ms=1), partition=p) for p in range(4)]
    submitted = []
    projector.checkpoints.submit = submitted.append

    asyncio.run(projector.project(floor + routed))
    assert ("sink", []) in calls  # nothing indexed: the product change is the backfill's, the stock one waits
    lsns = [p.lsn for p in submitted[-1].values()]
    assert STOCK_LSN not in lsns and FLOOR in lsns
    assert projector.model.stock(3).on_hand == 7  # but folded into the state
    assert _pending_lsn(3) == FLOOR  # what `readside status` shows of a waiting partition

    calls.clear()
    asyncio.run(projector.project([_to_partition(CaughtUp(lsn=FLOOR))]))
    assert [c[0] for c in calls] == ["flush", "sink", "flush"]  # live is written after the rebuilt documents
    action = projector.sink.actions[0]
    assert action.id == "3" and action.version == STOCK_LSN and json.loads(action.document)["on_hand"] == 7
    assert projector.model.handover.state(3).live
    assert _pending_lsn(3) == 0

    calls.clear()
    asyncio.run(projector.project(routed))  # a replay after the handover: older than the floor or indexed
    assert ("sink", ["3"]) in calls  # the stock change is past the floor, so its document is written again
    calls.clear()
    asyncio.run(projector.project([routed[0]]))
    assert ("sink", ["3"]) in calls


def test_a_caught_up_for_another_floor_changes_nothing():
    calls, sent = [], []
    projector = _projector(calls, sent)
    routed = asyncio.run(_routed_events(["products.update", "inventory.update"]))
    asyncio.run(projector.project([_to_partition(Floor(lsn=FLOOR, ts_ms=1))] + routed))
    calls.clear()
    asyncio.run(projector.project([_to_partition(CaughtUp(lsn=FLOOR - 1))]))
    assert calls == [("flush",), ("sink", [])]
    assert not projector.model.handover.state(3).live


def _pending_lsn(partition: int) -> float | None:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(
        "readside_handover_pending_lsn", {"projection": "products", "partition": str(partition)}
    )
