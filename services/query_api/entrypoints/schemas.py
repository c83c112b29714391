"""Pydantic models built at start from a read model's document shape (domain/declared.py): fields typed by its
mapping, so that /docs shows them. Used by the routes derived from declarations, and by the product view for
the fields the products declaration adds to it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model
from pydantic.json_schema import JsonDict

from ..domain.declared import FRACTIONAL, INTEGER_RANGES, MAX_KEYWORD, DocumentShape, FieldShape
from ..domain.paging import CURSOR_PATTERN, DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE, MAX_QUERY_TEXT

_DATE_TIME: JsonDict = {"format": "date-time"}
_INSTANT_EXAMPLES = ["2026-11-26T10:00:00Z"]


def title(shape: DocumentShape) -> str:
    """A model's name in the OpenAPI schemas: "review" -> "Review", "product_sale" -> "ProductSale"."""
    return "".join(part.capitalize() for part in shape.kind.split("_"))


def value_type(mapping_type: str) -> Any:
    """The JSON type of a stored value of a mapping type (a text or keyword is a string, a date too)."""
    if mapping_type in INTEGER_RANGES:
        return int
    if mapping_type in FRACTIONAL:
        return float
    if mapping_type == "boolean":
        return bool
    if mapping_type in ("keyword", "text", "date", "match_only_text", "wildcard", "constant_keyword"):
        return str
    return Any  # an object, a nested list: as stored


def document_fields(shape: DocumentShape) -> dict[str, Any]:
    """Every field as `type | None = None`: a stored document may lack one (a null column, a join not yet
    arrived), and answers None for it rather than failing."""
    return {
        f.name: (
            value_type(f.type) | None,
            Field(None, json_schema_extra=_DATE_TIME if f.type == "date" else None),
        )
        for f in shape.fields
    }


def document_model(shape: DocumentShape) -> type[BaseModel]:
    return create_model(
        title(shape),
        __doc__=f"One document of the {shape.name} read model.",
        id=(int, Field(description=f"the {shape.kind}'s id")),
        **document_fields(shape),
    )


def filter_type(field: FieldShape) -> Any:
    """What a filter parameter accepts: the field's type, within its mapping type's range."""
    if field.type in INTEGER_RANGES:
        low, high = INTEGER_RANGES[field.type]
        return Annotated[int, Field(ge=low, le=high)]
    if field.type in FRACTIONAL:
        return Annotated[float, Field(allow_inf_nan=False)]
    if field.type == "boolean":
        return bool
    if field.type == "date":
        return Annotated[
            str,
            StringConstraints(max_length=64),
            Field(
                json_schema_extra=_DATE_TIME,
                examples=_INSTANT_EXAMPLES,
                description="an ISO-8601 instant with a UTC offset (Z or +hh:mm), matched to the millisecond",
            ),
        ]
    return Annotated[str, StringConstraints(min_length=1, max_length=MAX_KEYWORD)]


def search_params_model(shape: DocumentShape) -> type[BaseModel]:
    """The query string of GET /<name>/search: q (when the model has text fields), one exact filter per
    FILTER field, size and cursor. A parameter it does not know is a 422, not an unfiltered answer."""
    params: dict[str, Any] = {}
    if shape.text_fields:
        params["q"] = (
            str | None,
            Field(
                None,
                max_length=MAX_QUERY_TEXT,
                description=f"free text over {', '.join(shape.text_fields)}; plain words, no query syntax",
            ),
        )
    for field in shape.filter_fields:
        params[field.name] = (filter_type(field) | None, Field(None, description=f"only {shape.name} with this value"))
    params["size"] = (int, Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE))
    params["cursor"] = (
        str | None,
        Field(
            None,
            max_length=MAX_CURSOR_LENGTH,
            pattern=CURSOR_PATTERN,
            description="next_cursor of the previous page, with the same q and filters",
        ),
    )
    return create_model(f"{title(shape)}SearchParams", __config__=ConfigDict(extra="forbid"), **params)


def search_result_model(shape: DocumentShape, document: type[BaseModel]) -> type[BaseModel]:
    hits = list[document]  # type: ignore[valid-type]
    return create_model(
        f"{title(shape)}SearchResult",
        __config__=ConfigDict(from_attributes=True),
        total=(int, Field(description=f"number of matching {shape.name} (all pages)")),
        hits=(hits, Field(description="best match first when q is given, then by id")),
        next_cursor=(str | None, Field(description="null on the last page")),
    )
