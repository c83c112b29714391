"""Records every projection shares: where a routed change came from, and source-position stamps."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

STATE = ConfigDict(extra="forbid", frozen=True)


class Origin(BaseModel):
    """Where the change came from, kept for dead letters raised after routing."""

    model_config = STATE
    topic: str
    partition: int
    offset: int


class Versioned(BaseModel):
    """A value stamped with the source position (LSN, commit time) it reflects."""

    model_config = STATE
    lsn: int
    ts_ms: int


class RoutedChange(Versioned):
    origin: Origin | None = None


class DocumentDeleted(BaseModel):
    """A document to delete (its source row is gone), versioned like the documents it replaces."""

    model_config = STATE
    id: int | str
    source_lsn: int
    source_ts_ms: int
