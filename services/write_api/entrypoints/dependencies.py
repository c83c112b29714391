"""Request dependencies: the running write side, its command dispatcher, the Idempotency-Key header."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from ..bootstrap import WriteSide
from ..service_layer.dispatcher import CommandDispatcher


def write_side(request: Request) -> WriteSide:
    return request.app.state.write_side


def command_dispatcher(side: Annotated[WriteSide, Depends(write_side)]) -> CommandDispatcher:
    return side.dispatcher


Dispatcher = Annotated[CommandDispatcher, Depends(command_dispatcher)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="repeat a request with the same key to get the first answer again",
    ),
]
