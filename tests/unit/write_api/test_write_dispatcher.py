"""The command dispatcher with an in-memory unit of work: refusals, retries, idempotent replays."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from services.write_api.domain.commands import Command
from services.write_api.domain.consistency import decode_token
from services.write_api.domain.errors import Conflict, DomainError
from services.write_api.service_layer.dispatcher import CommandDispatcher
from services.write_api.service_layer.idempotency import Answer, IdempotencyKeyReused
from services.write_api.service_layer.unit_of_work import RetryableConflict


@dataclass(frozen=True)
class Bump(Command):
    amount: int


class FakeKeys:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def claim(self, key: str, fingerprint: str) -> Answer | None:
        rows = self._uow.state["keys"]
        if key not in rows:
            rows[key] = {"fingerprint": fingerprint, "answer": None, "token": None}
            return None
        if rows[key]["fingerprint"] != fingerprint:
            raise IdempotencyKeyReused()
        answer = rows[key]["answer"]
        return Answer(answer.status, answer.body, rows[key]["token"])

    def record(self, key: str, answer: Answer) -> None:
        self._uow.state["keys"][key]["answer"] = answer

    def attach_token(self, key: str, token: str) -> None:
        self._uow.state["keys"][key]["token"] = token


class FakeUnitOfWork:
    """Shared state with transaction semantics: a block that raises restores its snapshot."""

    def __init__(self, state: dict) -> None:
        self.state = state
        self.idempotency = FakeKeys(self)

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        saved = copy.deepcopy(self.state)
        try:
            yield
        except BaseException:
            self.state.clear()
            self.state.update(saved)
            raise
        self.state["wal"] += 100

    def wal_position(self) -> int:
        return self.state["wal"]


class Presenter:
    def accepted(self, command: Command, entity_id: int) -> Answer:
        return Answer(201, {"id": entity_id})

    def refused(self, error: DomainError) -> Answer:
        return Answer(409, {"detail": error.reason})


@pytest.fixture
def state() -> dict:
    """What the fake database holds; transactions roll it back."""
    return {"counter": 0, "keys": {}, "wal": 1000}


@pytest.fixture
def calls() -> dict:
    """Outside the database: how often the handler ran, and how many runs should abort."""
    return {"runs": 0, "abort_first": 0}


@pytest.fixture
def dispatcher(state: dict, calls: dict) -> CommandDispatcher:
    def bump(cmd: Bump, uow: FakeUnitOfWork) -> int:
        calls["runs"] += 1
        uow.state["counter"] += cmd.amount
        if calls["runs"] <= calls["abort_first"]:
            raise RetryableConflict("deadlock detected")
        if uow.state["counter"] > 10:
            raise Conflict("counter would pass 10")
        return uow.state["counter"]

    return CommandDispatcher(lambda: FakeUnitOfWork(state), Presenter(), handlers={Bump: bump})


def test_success_carries_a_token_of_the_position_after_commit(dispatcher, state):
    answer = dispatcher.handle(Bump(3))
    assert (answer.status, answer.body) == (201, {"id": 3})
    assert decode_token(answer.consistency_token) == 1100


def test_a_refusal_rolls_back_and_has_no_token(dispatcher, state):
    answer = dispatcher.handle(Bump(11))
    assert answer == Answer(409, {"detail": "counter would pass 10"})
    assert state["counter"] == 0


def test_aborted_transactions_are_retried_from_scratch(dispatcher, state, calls):
    calls["abort_first"] = 2
    answer = dispatcher.handle(Bump(4))
    assert (answer.status, state["counter"], calls["runs"]) == (201, 4, 3)


def test_retries_are_bounded(dispatcher, state, calls):
    calls["abort_first"] = 99
    with pytest.raises(RetryableConflict):
        dispatcher.handle(Bump(1))
    assert (calls["runs"], state["counter"]) == (3, 0)


def test_a_keyed_repeat_replays_without_running_again(dispatcher, state, calls):
    first = dispatcher.handle(Bump(2), "k")
    again = dispatcher.handle(Bump(2), "k")
    assert again == first and again.replayed and not first.replayed
    assert (calls["runs"], state["counter"]) == (1, 2)


def test_a_keyed_refusal_is_stored_and_replayed(dispatcher, state, calls):
    first = dispatcher.handle(Bump(20), "k")
    assert first.status == 409 and state["counter"] == 0
    assert dispatcher.handle(Bump(20), "k") == first
    assert calls["runs"] == 1


def test_a_key_reused_for_another_request_is_refused(dispatcher, state):
    dispatcher.handle(Bump(1), "k")
    answer = dispatcher.handle(Bump(2), "k")
    assert answer.status == 409 and "different request" in answer.body["detail"]
    assert state["counter"] == 1


def test_a_keyed_replay_without_token_gets_a_fresh_later_one(dispatcher, state):
    first = dispatcher.handle(Bump(1), "k")
    state["keys"]["k"]["token"] = None
    again = dispatcher.handle(Bump(1), "k")
    assert decode_token(again.consistency_token) >= decode_token(first.consistency_token)
