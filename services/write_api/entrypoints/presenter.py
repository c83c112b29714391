"""How command outcomes read over HTTP: status codes and bodies, fresh or replayed."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from ..domain import commands
from ..domain.errors import Conflict, DomainError, Invalid, NotFound
from ..service_layer.idempotency import Answer

_CREATES = (commands.RegisterCustomer, commands.AddProduct, commands.PlaceOrder)
TOKEN_HEADER = "X-Consistency-Token"


class HttpPresenter:
    def accepted(self, command: commands.Command, entity_id: int) -> Answer:
        return Answer(status=201 if isinstance(command, _CREATES) else 200, body={"id": entity_id})

    def refused(self, error: DomainError) -> Answer:
        return Answer(status=_status_of(error), body={"detail": error.reason})


def _status_of(error: DomainError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, Invalid):
        return 422
    raise TypeError(f"no HTTP status for {type(error).__name__}")  # a new kind needs a row here


def respond(answer: Answer) -> JSONResponse:
    body = dict(answer.body)
    headers = {}
    if answer.consistency_token is not None:
        body["consistency_token"] = answer.consistency_token
        headers[TOKEN_HEADER] = answer.consistency_token
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(body, status_code=answer.status, headers=headers)
