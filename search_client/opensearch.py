"""elasticsearch-py 8's client API over opensearch-py's transport: the clients readside uses on OpenSearch."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from elastic_transport import (
    ApiResponse,
    ApiResponseMeta,
    HeadApiResponse,
    HttpHeaders,
    ListApiResponse,
    ObjectApiResponse,
    TextApiResponse,
)
from elastic_transport.client_utils import DEFAULT
from elasticsearch import AsyncElasticsearch, ConnectionError, ConnectionTimeout, Elasticsearch
from elasticsearch.exceptions import HTTP_EXCEPTIONS, ApiError
from opensearchpy import AsyncOpenSearch, OpenSearch
from opensearchpy.exceptions import (
    ConnectionError as OsConnectionError,
    ConnectionTimeout as OsConnectionTimeout,
    TransportError as OsTransportError,
)

# OpenSearch 2.x names the point-in-time endpoints differently and answers `pit_id` where Elasticsearch has `id`.
_OPEN_PIT_SUFFIX = "/_pit"
_OS_PIT = "/_search/point_in_time"


@dataclass
class Request:
    """One request as OpenSearch takes it: what elasticsearch-py built, with its paths, params and media types."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    opens_pit: bool = False


def translate(method: str, path: str, params: Mapping[str, Any] | None, body: Any) -> Request:
    """The OpenSearch request for an elasticsearch-py one (pure)."""
    request = Request(method, path, {k: _param(v) for k, v in (params or {}).items()})
    if method == "POST" and path.endswith(_OPEN_PIT_SUFFIX):
        request.path, request.opens_pit = path[: -len(_OPEN_PIT_SUFFIX)] + _OS_PIT, True
    elif method == "DELETE" and path == _OPEN_PIT_SUFFIX:
        request.path = _OS_PIT
        body = {"pit_id": [body["id"]]}
    if isinstance(body, list | tuple):  # bulk operations: NDJSON lines
        request.body = "".join(_line(line) + "\n" for line in body)
        request.headers["content-type"] = "application/x-ndjson"
    elif isinstance(body, str | bytes):
        request.body = body.decode() if isinstance(body, bytes) else body
        request.headers["content-type"] = "application/json"
    elif body is not None:
        request.body = _json(body)
        request.headers["content-type"] = "application/json"
    return request


def _line(value: Any) -> str:
    """One NDJSON line: the helpers hand them over serialized (bytes), the sink as str."""
    if isinstance(value, bytes):
        return value.decode()
    return value if isinstance(value, str) else _json(value)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(_param(v) for v in value)
    return str(value)


def _meta(status: int, client: Elasticsearch | AsyncElasticsearch) -> ApiResponseMeta:
    node = client.transport.node_pool.all()[0].config
    return ApiResponseMeta(status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0, node=node)


def response(request: Request, data: Any, client: Elasticsearch | AsyncElasticsearch) -> ApiResponse[Any]:
    """elasticsearch-py's response for OpenSearch's answer (a HEAD answers True or False)."""
    if request.method == "HEAD":
        return HeadApiResponse(meta=_meta(200 if data else 404, client))
    meta = _meta(200, client)
    if request.opens_pit and isinstance(data, dict):
        data = {**data, "id": data["pit_id"]}
    if isinstance(data, dict):
        return ObjectApiResponse(body=data, meta=meta)
    if isinstance(data, list):
        return ListApiResponse(body=data, meta=meta)
    if isinstance(data, str):
        return TextApiResponse(body=data, meta=meta)
    return ApiResponse(body=data, meta=meta)


def error(exc: OsTransportError, client: Elasticsearch | AsyncElasticsearch) -> ApiResponse[Any] | Exception:
    """elasticsearch-py's exception for opensearch-py's, or the response when the client ignores its status."""
    if isinstance(exc, OsConnectionTimeout):
        return ConnectionTimeout(str(exc))
    if isinstance(exc, OsConnectionError) or not isinstance(exc.status_code, int):
        return ConnectionError(str(exc))
    status, body = exc.status_code, exc.info
    ignored = client._ignore_status
    if ignored is not DEFAULT and ignored is not None and status in ignored:
        return ObjectApiResponse(body=body if isinstance(body, dict) else {}, meta=_meta(status, client))
    message: Any = str(body)
    if isinstance(body, dict):
        message = body.get("error", message)
        if isinstance(message, dict) and "type" in message:
            message = message["type"]
    cls: type[ApiError] = HTTP_EXCEPTIONS.get(status, ApiError)
    return cls(message=message, meta=_meta(status, client), body=body)


def _opensearch_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """opensearch-py's names for the elasticsearch-py client options readside sets."""
    names = {"request_timeout": "timeout", "max_retries": "max_retries", "retry_on_timeout": "retry_on_timeout"}
    return {names[k]: v for k, v in options.items() if k in names}


def _timeout(client: Elasticsearch | AsyncElasticsearch) -> float | None:
    timeout = client._request_timeout
    return None if timeout is DEFAULT else timeout


class AsyncOpenSearchClient(AsyncElasticsearch):
    """AsyncElasticsearch whose every request goes to OpenSearch through opensearch-py's AsyncOpenSearch."""

    def __init__(self, hosts: Any = None, *, opensearch: AsyncOpenSearch | None = None, **options: Any) -> None:
        super().__init__(hosts, **options)
        if opensearch is not None or "_transport" not in options:  # options() copies its parent's
            self.opensearch = opensearch or AsyncOpenSearch(hosts=hosts, **_opensearch_options(options))

    def options(self, **kwargs: Any) -> Self:
        client = super().options(**kwargs)
        client.opensearch = self.opensearch
        return client

    async def perform_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        endpoint_id: str | None = None,
        path_parts: Mapping[str, Any] | None = None,
    ) -> ApiResponse[Any]:
        request = translate(method, path, params, body)
        try:
            data = await self.opensearch.transport.perform_request(
                request.method,
                request.path,
                params=request.params,
                body=request.body,
                headers=request.headers,
                timeout=_timeout(self),
            )
        except OsTransportError as exc:
            outcome = error(exc, self)
            if isinstance(outcome, Exception):
                raise outcome from exc
            return outcome
        return response(request, data, self)

    async def close(self) -> None:
        await self.opensearch.close()
        await super().close()


class OpenSearchClient(Elasticsearch):
    """Elasticsearch whose every request goes to OpenSearch through opensearch-py's OpenSearch."""

    def __init__(self, hosts: Any = None, *, opensearch: OpenSearch | None = None, **options: Any) -> None:
        super().__init__(hosts, **options)
        if opensearch is not None or "_transport" not in options:  # options() copies its parent's
            self.opensearch = opensearch or OpenSearch(hosts=hosts, **_opensearch_options(options))

    def options(self, **kwargs: Any) -> Self:
        client = super().options(**kwargs)
        client.opensearch = self.opensearch
        return client

    def perform_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        endpoint_id: str | None = None,
        path_parts: Mapping[str, Any] | None = None,
    ) -> ApiResponse[Any]:
        request = translate(method, path, params, body)
        try:
            data = self.opensearch.transport.perform_request(
                request.method,
                request.path,
                params=request.params,
                body=request.body,
                headers=request.headers,
                timeout=_timeout(self),
            )
        except OsTransportError as exc:
            outcome = error(exc, self)
            if isinstance(outcome, Exception):
                raise outcome from exc
            return outcome
        return response(request, data, self)

    def close(self) -> None:
        self.opensearch.close()
        super().close()
