"""Customer commands: register, update, erase."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ...domain.commands import EraseCustomer
from ..dependencies import Dispatcher, IdempotencyKey
from ..presenter import respond
from ..schemas import CommandAccepted, RegisterCustomerBody, UpdateCustomerBody
from ._shared import AUTHENTICATED, PathId, errors

router = APIRouter(prefix="/customers", tags=["customers"], dependencies=AUTHENTICATED)


@router.post("", status_code=201, response_model=CommandAccepted, responses=errors(409))
def register_customer(body: RegisterCustomerBody, dispatcher: Dispatcher, key: IdempotencyKey = None) -> JSONResponse:
    """RegisterCustomer: 409 if the email is taken (case-insensitively)."""
    return respond(dispatcher.handle(body.command(), key))


@router.patch("/{customer_id}", response_model=CommandAccepted, responses=errors(404, 409))
def update_customer(
    customer_id: PathId, body: UpdateCustomerBody, dispatcher: Dispatcher, key: IdempotencyKey = None
) -> JSONResponse:
    """UpdateCustomer: any of email, name, country."""
    return respond(dispatcher.handle(body.command(customer_id), key))


@router.delete("/{customer_id}", response_model=CommandAccepted, responses=errors(404))
def erase_customer(customer_id: PathId, dispatcher: Dispatcher, key: IdempotencyKey = None) -> JSONResponse:
    """EraseCustomer: deletes the customer; their orders remain with no customer."""
    return respond(dispatcher.handle(EraseCustomer(customer_id), key))
