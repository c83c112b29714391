"""Request dependencies: the running read side, its queries, ids, the consistency token.

Async on purpose: FastAPI runs a plain `def` dependency in a worker thread, a thread hand-off per
dependency per request (a tenth of a plain read's CPU) for what is an attribute lookup."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Header, Path, Request

from ..bootstrap import ReadSide
from ..consistency.token import TOKEN_PATTERN
from ..service_layer.customers import CustomerQueries
from ..service_layer.orders import OrderQueries
from ..service_layer.products import ProductQueries
from ..service_layer.stats import StatsQueries

INT8_MAX = 2**63 - 1  # ids are bigint on the write side


async def read_side(request: Request) -> ReadSide:
    return request.app.state.read_side


async def product_queries(side: Annotated[ReadSide, Depends(read_side)]) -> ProductQueries:
    return side.products


async def order_queries(side: Annotated[ReadSide, Depends(read_side)]) -> OrderQueries:
    return side.orders


async def customer_queries(side: Annotated[ReadSide, Depends(read_side)]) -> CustomerQueries:
    return side.customers


async def stats_queries(side: Annotated[ReadSide, Depends(read_side)]) -> StatsQueries:
    return side.stats


def id_path(kind: str, alias: str | None = None) -> Any:
    """A positive bigint path parameter: anything else is a 422 before any read. `alias`: its name in the
    path, when the parameter's own differs."""
    return Path(ge=1, le=INT8_MAX, alias=alias, description=f"integer {kind} id")


Products = Annotated[ProductQueries, Depends(product_queries)]
Orders = Annotated[OrderQueries, Depends(order_queries)]
Customers = Annotated[CustomerQueries, Depends(customer_queries)]
Stats = Annotated[StatsQueries, Depends(stats_queries)]
Side = Annotated[ReadSide, Depends(read_side)]
if TYPE_CHECKING:
    # What a route receives: the header's value, or the default None when it is absent.
    ConsistencyToken = str | None
else:
    ConsistencyToken = Annotated[
        str,  # not `str | None`: OpenAPI would then offer null, which a header cannot carry (None is the default)
        Header(
            alias="X-Consistency-Token",
            pattern=TOKEN_PATTERN,
            description="the token a write returned ('v1.' and 11 base64url characters, canonical; empty means none): "
            "the answer then reflects that write, or comes back 504 after a bounded wait",
        ),
    ]
ProductId = Annotated[int, id_path("product")]
OrderId = Annotated[int, id_path("order")]
CustomerId = Annotated[int, id_path("customer")]
