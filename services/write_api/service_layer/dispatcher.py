"""Runs one command as one transaction: idempotency key, handler, commit, consistency token."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from tenacity import Retrying, before_sleep_log, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from ..domain.commands import Command
from ..domain.consistency import encode_token
from ..domain.errors import DomainError
from .handlers import HANDLERS
from .idempotency import Answer, fingerprint
from .unit_of_work import DatabaseError, DatabaseUnavailable, RetryableConflict, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


class Presenter(Protocol):
    """Turns outcomes into answers. Injected so the dispatcher can store answers for idempotent
    replays without knowing HTTP."""

    def accepted(self, command: Command, entity_id: int) -> Answer: ...
    def refused(self, error: DomainError) -> Answer: ...


class CommandDispatcher:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        presenter: Presenter,
        handlers: dict[type[Command], Callable[..., int]] = HANDLERS,
        attempts: int = 3,
    ) -> None:
        self._uow_factory = uow_factory
        self._presenter = presenter
        self._handlers = handlers
        self._attempts = attempts

    def handle(self, command: Command, idempotency_key: str | None = None) -> Answer:
        """Run `command`; with a key, a repeat of the same request gets the first answer.

        Deadlocks and serialization failures are retried: our lock order should make them
        impossible, but the database may still abort (e.g. an operator's session holds locks),
        and the aborted attempt changed nothing.
        """
        retrying = Retrying(
            retry=retry_if_exception_type(RetryableConflict),
            stop=stop_after_attempt(self._attempts),
            wait=wait_random_exponential(multiplier=0.01, max=0.2),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        )
        return retrying(self._handle_once, command, idempotency_key)

    def _handle_once(self, command: Command, key: str | None) -> Answer:
        handler = self._handlers[type(command)]
        with self._uow_factory() as uow:
            try:
                if key is None:
                    with uow.transaction():
                        answer = self._presenter.accepted(command, handler(command, uow))
                else:
                    answer = self._handle_keyed(handler, command, key, uow)
            except DomainError as refusal:  # rolled back: nothing to report but the reason
                return self._presenter.refused(refusal)
            if answer.replayed or not answer.succeeded:
                return answer
            token = encode_token(uow.wal_position())
            if key is not None:
                self._attach_token(uow, key, token)
            return replace(answer, consistency_token=token)

    @staticmethod
    def _attach_token(uow: UnitOfWork, key: str, token: str) -> None:
        # After COMMIT, so the key row briefly lacks its token; a replay in that window (or
        # after a failure here) falls back to a fresh position, which is later still. The
        # command did commit, so a failure here must not turn its answer into an error.
        try:
            with uow.transaction():
                uow.idempotency.attach_token(key, token)
        except (DatabaseUnavailable, DatabaseError, RetryableConflict) as exc:
            log.warning("could not store the consistency token of idempotency key: %s", exc)

    def _handle_keyed(self, handler: Callable[..., int], command: Command, key: str, uow: UnitOfWork) -> Answer:
        """Claim the key, run the handler in a savepoint, and store whatever it answered in the
        same transaction, refusals included: the first answer is the answer."""
        with uow.transaction():
            prior = uow.idempotency.claim(key, fingerprint(command))
            if prior is not None:
                return self._replay(prior, uow)
            try:
                with uow.transaction():
                    answer = self._presenter.accepted(command, handler(command, uow))
            except DomainError as refusal:
                answer = self._presenter.refused(refusal)
            uow.idempotency.record(key, answer)
            return answer

    @staticmethod
    def _replay(prior: Answer, uow: UnitOfWork) -> Answer:
        if prior.succeeded and prior.consistency_token is None:
            prior = replace(prior, consistency_token=encode_token(uow.wal_position()))
        return replace(prior, replayed=True)
