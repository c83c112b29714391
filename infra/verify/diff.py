"""Compare expected read-model documents (from SQL) with actual ones (from Elasticsearch), field by field."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class FieldDiff:
    doc_id: str
    field: str
    expected: Any
    actual: Any


@dataclass
class ModelDiff:
    """All differences of one read model: missing documents, extra documents, differing fields."""

    model: str
    compared: int = 0
    missing: list[str] = field(default_factory=list)  # in Postgres, not in the index
    extra: list[str] = field(default_factory=list)    # in the index, not in Postgres
    fields: list[FieldDiff] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.missing) + len(self.extra) + len(self.fields)


def diff_documents(model: str, expected: Mapping[str, Mapping[str, Any]],
                   actual: Mapping[str, Mapping[str, Any]], fields: list[str]) -> ModelDiff:
    """Pure: documents keyed by id; only `fields` are compared (bookkeeping fields are not the model)."""
    result = ModelDiff(model, compared=len(expected.keys() | actual.keys()))
    result.missing = sorted(expected.keys() - actual.keys(), key=_natural)
    result.extra = sorted(actual.keys() - expected.keys(), key=_natural)
    for doc_id in sorted(expected.keys() & actual.keys(), key=_natural):
        want, got = expected[doc_id], actual[doc_id]
        for name in fields:
            if want.get(name) != got.get(name):
                result.fields.append(FieldDiff(doc_id, name, want.get(name), got.get(name)))
    return result


def _natural(doc_id: str) -> tuple[int, str]:
    return (int(doc_id), "") if doc_id.isdigit() else (0, doc_id)
