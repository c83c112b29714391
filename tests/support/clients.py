"""HTTP clients for the running write and query APIs, as a user of readside would call them (tests only)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from infra.secrets import write_token
from infra.settings import StackSettings


@dataclass
class Shop:
    """Drive the write API and read back through the query API with consistency tokens."""

    write: httpx.Client
    read: httpx.Client

    @classmethod
    def connect(cls, settings: StackSettings) -> Shop:
        auth = {"Authorization": f"Bearer {write_token(settings)}"}
        return cls(
            httpx.Client(base_url=f"http://{settings.host}:{settings.write_api_port}", headers=auth, timeout=30),
            httpx.Client(base_url=f"http://{settings.host}:{settings.query_api_port}", timeout=30),
        )

    def close(self) -> None:
        self.write.close()
        self.read.close()

    def command(self, method: str, path: str, body: dict | None = None, expect: int | None = None) -> dict:
        response = self.write.request(method, path, json=body)
        if expect is not None:
            assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        else:
            assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def add_product(self, **fields) -> dict:
        word = uuid.uuid4().hex[:10]
        body = {
            "sku": f"SKU-{word}",
            "name": f"Product {word}",
            "description": f"about {word}",
            "category": "tools",
            "price": "10.00",
            "initial_stock": 10,
            **fields,
        }
        return {**self.command("POST", "/products", body), "word": word, **body}

    def add_customer(self) -> dict:
        word = uuid.uuid4().hex[:10]
        return self.command(
            "POST", "/customers", {"email": f"c-{word}@example.com", "name": f"Customer {word}", "country": "DE"}
        )

    def get(self, path: str, token: str | None = None, **params) -> httpx.Response:
        headers = {"X-Consistency-Token": token} if token else {}
        return self.read.get(path, params=params, headers=headers)


def search_engine() -> str:
    """READSIDE_SEARCH_ENGINE as the stack reads it: what the tests' own search clients must speak."""
    return StackSettings().search_engine.value
