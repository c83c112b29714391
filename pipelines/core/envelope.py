"""Decode Debezium change events (JSON, no embedded schema) into typed envelopes, or say why not."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

RowT = TypeVar("RowT", bound=BaseModel)

# Why an event could not be used; these are the `reason` label values of the dead-letter counter.
BAD_JSON = "bad_json"
UNKNOWN_OP = "unknown_op"
UNKNOWN_TABLE = "unknown_table"
INVALID_ENVELOPE = "invalid_envelope"
INVALID_ROW = "invalid_row"
UNAVAILABLE_VALUE = "unavailable_value"
# What Debezium writes for a TOASTed column an update left alone, when the table's replica identity does not
# carry the old value (its `unavailable.value.placeholder`, left at the default in connectors/).
UNAVAILABLE = "__debezium_unavailable_value"
_UNAVAILABLE_BYTES = UNAVAILABLE.encode()  # looked for in every event's raw bytes


class DecodeError(ValueError):
    """An event that can never be decoded; `reason` classifies it for the dead-letter topic."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Source(BaseModel):
    """The `source` block: where in the WAL the change was read, and when it was committed."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    lsn: int = Field(ge=0, lt=2**63)  # an Elasticsearch version (a signed long) must hold it
    ts_ms: int
    table: str
    snapshot: str | None = None  # "true" | "first" | "last" | "incremental" | "false"
    tx_id: int | None = Field(default=None, alias="txId")


class Envelope(BaseModel, Generic[RowT]):
    """One change: c(reate), u(pdate), d(elete) or r(ead, by a snapshot). Tombstones are not envelopes."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    before: RowT | None = None
    after: RowT | None = None
    source: Source
    op: Literal["c", "u", "d", "r"]
    ts_ms: int | None = None

    @model_validator(mode="after")
    def _has_the_image_its_op_needs(self) -> Envelope[RowT]:
        if self.op == "d" and self.before is None:
            raise ValueError("a delete event without a 'before' image")
        if self.op != "d" and self.after is None:
            raise ValueError(f"an op={self.op!r} event without an 'after' image")
        return self

    @property
    def is_delete(self) -> bool:
        return self.op == "d"

    @property
    def row(self) -> RowT:
        """The row as it is after the change, or as it was before a delete (its key is all a delete keeps)."""
        row = self.before if self.op == "d" else self.after
        assert row is not None  # guaranteed by the validator
        return row

    @property
    def lsn(self) -> int:
        return self.source.lsn


def decode_envelope(raw: bytes | None, model: type[Envelope[RowT]], table: str) -> Envelope[RowT] | None:
    """Parse one message value; None for a tombstone. Raises DecodeError with a dead-letter reason."""
    if raw is None:
        return None
    try:
        envelope = model.model_validate_json(raw)
    except ValidationError as exc:
        raise DecodeError(_reason(exc), _summary(exc)) from None
    if envelope.source.table != table:
        raise DecodeError(UNKNOWN_TABLE, f"an event of table {envelope.source.table!r} on the topic of {table!r}")
    if _UNAVAILABLE_BYTES in raw:
        return _with_available_values(envelope)
    return envelope


def _with_available_values(envelope: Envelope[RowT]) -> Envelope[RowT]:
    """An update whose `after` holds the unavailable-value placeholder takes the column from `before` when it
    has it (the value did not change); otherwise the event is refused, never indexed with the placeholder."""
    after = envelope.after
    if after is None:
        return envelope
    missing = [name for name, value in after if value == UNAVAILABLE]
    if not missing:
        return envelope
    before = envelope.before
    known = {
        name: getattr(before, name)
        for name in missing
        if before is not None and getattr(before, name, UNAVAILABLE) != UNAVAILABLE
    }
    unknown = sorted(set(missing) - set(known))
    if unknown:
        raise DecodeError(
            UNAVAILABLE_VALUE,
            f"column(s) {', '.join(unknown)} of {envelope.source.table} were not "
            "captured (a large value the update left alone, on a table whose "
            "replica identity is not FULL): set REPLICA IDENTITY FULL on it",
        )
    return envelope.model_copy(update={"after": after.model_copy(update=known)})


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = first["loc"][0] if first["loc"] else None
    if first["type"] == "json_invalid" or (where is None and first["type"] == "model_type"):
        return BAD_JSON
    if where == "op":
        return UNKNOWN_OP
    if where in ("before", "after"):
        return INVALID_ROW
    return INVALID_ENVELOPE


def _summary(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<value>'}: {e['msg']}" for e in exc.errors()[:5]]
    return "; ".join(parts)
