"""The declared read models (models/*.py) as the query API serves them: which have hand-written routes, which
get the routes derived from their declarations, and each one's document shape, index and projection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from catalog import derive, registry
from catalog.vocabulary import ReadModel, Role

from .consistency.waiter import Projection
from .domain.declared import FILTERABLE, RESERVED, DocumentShape, FieldShape
from .domain.products import SHOWN_FIELDS

# The read models with hand-written routes (entrypoints/routes/): those a hand-written pipeline stage streams
# (products, orders and customers under their names, sales and product_sales under /stats). Every model the
# declared engine streams is served from its declaration too.
HAND_WRITTEN = frozenset(m.name for m in registry.read_models().values() if not derive.streamed_by_declaration(m))


def served_by_declaration() -> list[ReadModel]:
    """Looked up on each call, not at import: a test may declare models of its own."""
    return [m for m in registry.read_models().values() if m.name not in HAND_WRITTEN]


def shape_of(model: ReadModel, leave_out: Iterable[str] = (), searched: bool = True) -> DocumentShape:
    """The model's declared fields (but `leave_out`) typed by its mapping file. A field the mapping lacks is a
    mistake in one of the two; when the derived search serves the model (`searched`), so is an exact filter on
    a type that cannot have one, or a field named like a search parameter. Both are reported at start."""
    properties = derive.mapping_properties(model)
    skip = set(leave_out)
    fields = []
    for field in model.fields:
        if field.name in skip:
            continue
        where = f"{model.name}: field {field.name}"
        if field.name not in properties:
            raise registry.DeclarationError(f"{where} is not in {derive.mapping_file(model).name}")
        mapping_type = str(properties[field.name].get("type", "object"))
        text, filtered = searched and Role.TEXT in field.roles, searched and Role.FILTER in field.roles
        if searched and field.name in RESERVED:
            raise registry.DeclarationError(f"{where} is named like a search parameter ({', '.join(sorted(RESERVED))})")
        if filtered and mapping_type not in FILTERABLE:
            raise registry.DeclarationError(
                f"{where} is a FILTER, but its mapping type {mapping_type} has no exact filter "
                f"(one of {', '.join(sorted(FILTERABLE))}); search it as TEXT instead"
            )
        fields.append(FieldShape(field.name, mapping_type, text=text, filter=filtered))
    return DocumentShape(model.name, tuple(fields))


def product_extras() -> DocumentShape:
    """The fields the products declaration adds to what the hand-written product view shows: a product
    document carries them too, typed by the mapping. The product search is hand-written: their roles are not
    searched here."""
    return shape_of(registry.read_model("products"), leave_out=SHOWN_FIELDS, searched=False)


def index_of(model: ReadModel, overrides: Mapping[str, str]) -> str:
    """The index (or alias) a model is read from: its alias, unless the settings name another."""
    return overrides.get(model.name, derive.alias(model))


def projection_of(model: ReadModel, topic_prefix: str) -> Projection:
    """What a token read of the model waits for: its projection, over its stage's source topics."""
    return Projection(derive.projection(model), derive.input_topics(model, topic_prefix))
