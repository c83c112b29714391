"""Order commands: place, pay, ship, cancel."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ...domain.commands import CancelOrder, PayOrder, ShipOrder
from ..dependencies import Dispatcher, IdempotencyKey
from ..presenter import respond
from ..schemas import CommandAccepted, PlaceOrderBody
from ._shared import AUTHENTICATED, PathId, errors

router = APIRouter(prefix="/orders", tags=["orders"], dependencies=AUTHENTICATED)


@router.post("", status_code=201, response_model=CommandAccepted, responses=errors(404, 409))
def place_order(body: PlaceOrderBody, dispatcher: Dispatcher, key: IdempotencyKey = None) -> JSONResponse:
    """PlaceOrder: prices lines at current prices and takes the stock, in one transaction."""
    return respond(dispatcher.handle(body.command(), key))


@router.post("/{order_id}/pay", response_model=CommandAccepted, responses=errors(404, 409))
def pay_order(order_id: PathId, dispatcher: Dispatcher, key: IdempotencyKey = None) -> JSONResponse:
    """PayOrder: placed → paid."""
    return respond(dispatcher.handle(PayOrder(order_id), key))


@router.post("/{order_id}/ship", response_model=CommandAccepted, responses=errors(404, 409))
def ship_order(order_id: PathId, dispatcher: Dispatcher, key: IdempotencyKey = None) -> JSONResponse:
    """ShipOrder: paid → shipped."""
    return respond(dispatcher.handle(ShipOrder(order_id), key))


@router.post("/{order_id}/cancel", response_model=CommandAccepted, responses=errors(404, 409))
def cancel_order(order_id: PathId, dispatcher: Dispatcher, key: IdempotencyKey = None) -> JSONResponse:
    """CancelOrder: placed or paid → cancelled, putting the stock back."""
    return respond(dispatcher.handle(CancelOrder(order_id), key))
