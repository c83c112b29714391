"""The response body of the health check (shown at /docs)."""

from __future__ import annotations

from pydantic import BaseModel


class Health(BaseModel):
    status: str
    elasticsearch: str
