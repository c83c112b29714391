"""The routes of a read model served from its declaration: GET /<name>/search and GET /<name>/{<kind>_id}, as the
product reads behave (X-Consistency-Token, cursor pages, 404/422/502/503/504). One router per model, built at
start (app.py loops over the models); nothing here names a model."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query

from ...domain.declared import DeclaredSearch, DocumentShape
from ...service_layer.declared import DeclaredQueries
from ..dependencies import ConsistencyToken, Side, id_path
from ..errors import error_responses
from ..schemas import document_model, search_params_model, search_result_model

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def with_parameters(endpoint: Endpoint, **annotations: Any) -> Endpoint:
    """FastAPI reads what an endpoint takes from its signature; these parameters' models are only built at
    start, from a declaration, so they are set on the signature rather than written in the `def`."""
    signature = inspect.signature(endpoint, eval_str=True)
    parameters = [p.replace(annotation=annotations.get(p.name, p.annotation)) for p in signature.parameters.values()]
    endpoint.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return endpoint


def router_for(shape: DocumentShape) -> APIRouter:
    document, params_model = document_model(shape), search_params_model(shape)
    result = search_result_model(shape, document)
    router = APIRouter(prefix=f"/{shape.name}", tags=[shape.name])

    async def declared_queries(side: Side) -> DeclaredQueries:
        return side.declared[shape.name]

    queries_type = Annotated[DeclaredQueries, Depends(declared_queries)]

    async def search(params: Any, queries: Any, token: ConsistencyToken = None) -> Any:
        filters = {f.name: getattr(params, f.name) for f in shape.filter_fields}
        wanted = DeclaredSearch.from_params(shape, getattr(params, "q", None), filters)
        page = await queries.search(wanted, params.size, params.cursor, token)
        return result.model_validate(page, from_attributes=True)

    async def get(doc_id: Any, queries: Any, token: ConsistencyToken = None) -> Any:
        return document.model_validate(await queries.get(doc_id, token))

    router.get(
        "/search",
        response_model=result,
        responses=error_responses(422, 503, 504),
        summary=f"Search {shape.name}",
        description=f"Full text over {', '.join(shape.text_fields) or 'no field'}, exact filters, cursor pages; "
        "best match first when q is given, else by id.",
        name=f"search_{shape.name}",
    )(with_parameters(search, params=Annotated[params_model, Query()], queries=queries_type))
    id_name = f"{shape.kind}_id"  # /reviews/{review_id}, as /products/{product_id}
    router.get(
        f"/{{{id_name}}}",
        response_model=document,
        responses=error_responses(404, 422, 502, 503, 504),
        summary=f"Get a {shape.kind.replace('_', ' ')}",
        description="One document (realtime: a write is visible without a refresh).",
        name=f"get_{shape.kind}",
    )(with_parameters(get, doc_id=Annotated[int, id_path(shape.kind, alias=id_name)], queries=queries_type))
    return router
