"""Request dependencies: the running read side, product queries, the consistency token."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request

from ..bootstrap import ReadSide
from ..service_layer.products import ProductQueries

INT8_MAX = 2**63 - 1


def read_side(request: Request) -> ReadSide:
    return request.app.state.read_side


def product_queries(side: Annotated[ReadSide, Depends(read_side)]) -> ProductQueries:
    return side.products


Products = Annotated[ProductQueries, Depends(product_queries)]
Side = Annotated[ReadSide, Depends(read_side)]
ConsistencyToken = Annotated[
    str | None,
    Header(alias="X-Consistency-Token", max_length=64,
           description="the token a write returned: the answer then reflects that write, or "
                       "comes back 504 after a bounded wait")]
ProductId = Annotated[int, Path(ge=1, le=INT8_MAX, description="integer product id")]
