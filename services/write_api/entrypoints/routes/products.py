"""Product commands: add, update, adjust stock, delete."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ...domain.commands import DeleteProduct
from ..dependencies import Dispatcher, IdempotencyKey
from ..presenter import respond
from ..schemas import AddProductBody, AdjustStockBody, CommandAccepted, UpdateProductBody
from ._shared import AUTHENTICATED, PathId, errors

router = APIRouter(prefix="/products", tags=["products"], dependencies=AUTHENTICATED)


@router.post("", status_code=201, response_model=CommandAccepted, responses=errors(409))
def add_product(body: AddProductBody, dispatcher: Dispatcher, key: IdempotencyKey = None) -> JSONResponse:
    """AddProduct: creates the product and its stock row (initial_stock, default 0)."""
    return respond(dispatcher.handle(body.command(), key))


@router.patch("/{product_id}", response_model=CommandAccepted, responses=errors(404))
def update_product(
    product_id: PathId, body: UpdateProductBody, dispatcher: Dispatcher, key: IdempotencyKey = None
) -> JSONResponse:
    """UpdateProduct: any of name, description, category, brand, price, active."""
    return respond(dispatcher.handle(body.command(product_id), key))


@router.post("/{product_id}/stock", response_model=CommandAccepted, responses=errors(404, 409))
def adjust_stock(
    product_id: PathId, body: AdjustStockBody, dispatcher: Dispatcher, key: IdempotencyKey = None
) -> JSONResponse:
    """AdjustStock: 409 if the stock would go below 0."""
    return respond(dispatcher.handle(body.command(product_id), key))


@router.delete("/{product_id}", response_model=CommandAccepted, responses=errors(404, 409))
def delete_product(product_id: PathId, dispatcher: Dispatcher, key: IdempotencyKey = None) -> JSONResponse:
    """DeleteProduct: only if it was never ordered (409 otherwise; discontinue it instead)."""
    return respond(dispatcher.handle(DeleteProduct(product_id), key))
