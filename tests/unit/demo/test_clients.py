"""The demo's HTTP clients: retries that cannot apply a command twice, one-line errors, undeployed routes."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from infra.demo.clients import DemoError, QueryApi, RouteNotDeployed, WriteApi
from infra.demo.workload import Command

PLACE = Command("place_order", "POST", "/orders", {"customer_id": 1, "items": [{"product_id": 2, "quantity": 1}]})


def write_api(handler) -> WriteApi:
    return WriteApi("http://write.test", "secret", transport=httpx.MockTransport(handler), backoff_s=0)


def query_api(handler) -> QueryApi:
    return QueryApi("http://query.test", transport=httpx.MockTransport(handler), backoff_s=0)


def send(api: WriteApi, command: Command = PLACE):
    return asyncio.run(api.send(command))


def test_a_command_carries_the_token_and_its_answer_gives_id_and_consistency_token():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": 5, "consistency_token": "v1.AAAAAAAAAAE"})

    answer = send(write_api(handler))
    assert (answer.ok, answer.new_id, answer.token) == (True, 5, "v1.AAAAAAAAAAE")
    assert seen[0].headers["Authorization"] == "Bearer secret"


def test_a_busy_answer_is_retried_with_the_same_idempotency_key():
    keys = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) == 1:
            return httpx.Response(503, json={"detail": "retry"})
        return httpx.Response(201, json={"id": 1, "consistency_token": "v1.AAAAAAAAAAE"})

    assert send(write_api(handler)).ok
    assert len(keys) == 2 and keys[0] == keys[1]


def test_two_commands_never_share_an_idempotency_key():
    keys = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        return httpx.Response(201, json={"id": 1, "consistency_token": "v1.AAAAAAAAAAE"})

    api = write_api(handler)
    send(api)
    send(api)
    assert keys[0] != keys[1]


@pytest.mark.parametrize("status", [404, 409])
def test_refusals_a_real_shop_gives_are_answers_not_errors(status):
    answer = send(write_api(lambda r: httpx.Response(status, json={"detail": "insufficient stock"})))
    assert (answer.ok, answer.status, answer.detail, answer.token) == (False, status, "insufficient stock", None)


def test_a_wrong_token_says_where_the_token_comes_from():
    with pytest.raises(DemoError, match="bearer token"):
        send(write_api(lambda r: httpx.Response(401, json={"detail": "missing or wrong bearer token"})))


def test_an_invalid_command_names_the_request_and_the_reason():
    with pytest.raises(DemoError, match=r"POST /orders answered 422: items: field required"):
        send(write_api(lambda r: httpx.Response(422, json={"detail": "items: field required"})))


def test_a_service_that_does_not_answer_is_one_line_pointing_at_status():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(DemoError, match=r"write API at http://write.test does not answer .*readside status"):
        send(write_api(handler))


def test_a_write_side_that_stays_busy_is_an_error_after_retries():
    with pytest.raises(DemoError, match="kept answering 503"):
        send(write_api(lambda r: httpx.Response(503, json={"detail": "the database is unavailable"})))


def test_a_read_sends_the_consistency_token_when_given():
    headers = []

    def handler(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers.get("X-Consistency-Token"))
        return httpx.Response(200, json={"id": 1})

    api = query_api(handler)
    asyncio.run(api.get("/products/1", token="v1.AAAAAAAAAAE"))
    asyncio.run(api.get("/products/1"))
    assert headers == ["v1.AAAAAAAAAAE", None]


def test_a_route_not_deployed_is_told_apart_from_an_unknown_id():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/orders"):
            return httpx.Response(404, json={"detail": "Not Found"})  # FastAPI: no such route
        return httpx.Response(404, json={"detail": "product 9 not found"})

    api = query_api(handler)
    with pytest.raises(RouteNotDeployed):
        asyncio.run(api.get("/orders/search", {"q": "smith"}))
    assert asyncio.run(api.get("/products/9")).status == 404


@pytest.mark.parametrize("status", [200, 504])
def test_reads_answer_success_and_not_yet_at_token(status):
    assert asyncio.run(query_api(lambda r: httpx.Response(status, json={})).get("/products/1")).status == status


def test_a_read_failing_otherwise_is_an_error():
    with pytest.raises(DemoError, match="answered 422: q: too long"):
        asyncio.run(query_api(lambda r: httpx.Response(422, json={"detail": "q: too long"})).get("/products/search"))
