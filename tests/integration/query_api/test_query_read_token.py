"""READSIDE_READ_TOKEN: with it, every read needs the bearer token (health and the OpenAPI document stay open);
without it the query API will not bind beyond loopback."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.query_api.settings import QueryApiSettings

pytestmark = pytest.mark.integration

TOKEN = "r3ad-t0ken-for-the-tests-0123456789"


def test_with_a_read_token_every_read_needs_it(make_client, base_settings):
    settings = base_settings.model_copy(update={"read_token": QueryApiSettings(read_token=TOKEN).read_token})
    with make_client(settings) as client:
        refused = client.get("/products/1")
        assert refused.status_code == 401 and "READSIDE_READ_TOKEN" in refused.json()["detail"]
        assert refused.headers["www-authenticate"] == "Bearer"
        assert client.get("/products/1", headers={"Authorization": f"Bearer {TOKEN}"}).status_code in (200, 404)
        assert client.get("/health").status_code == 200 and client.get("/openapi.json").status_code == 200


def test_beyond_loopback_a_read_token_is_required():
    with pytest.raises(ValidationError, match="READSIDE_READ_TOKEN"):
        QueryApiSettings(query_api_host="0.0.0.0")
    assert QueryApiSettings(query_api_host="0.0.0.0", read_token=TOKEN).read_token is not None
    assert QueryApiSettings(query_api_host="::1").read_token is None
