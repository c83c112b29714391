"""Every declared read model: each module of the `models` package that holds a `MODEL`. Adding a file there
is the whole registration."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from catalog.vocabulary import ReadModel

# Found by name, as dbt finds its models/: the declarations use the catalog, the catalog does not import them.
MODELS_PACKAGE = "models"


class DeclarationError(ValueError):
    """A declaration that cannot be right: says which model and what to change."""


@cache
def read_models() -> dict[str, ReadModel]:
    """name -> declaration, in the order of the `models` package's module names."""
    found: dict[str, ReadModel] = {}
    package = importlib.import_module(MODELS_PACKAGE)
    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module.name.startswith("_"):
            continue
        model = getattr(importlib.import_module(f"{MODELS_PACKAGE}.{module.name}"), "MODEL", None)
        if not isinstance(model, ReadModel):
            raise DeclarationError(f"models/{module.name}.py declares no MODEL = ReadModel(...)")
        if model.name in found:
            raise DeclarationError(f"two declarations of read model {model.name!r}")
        check(model)
        found[model.name] = model
    return found


def read_model(name: str) -> ReadModel:
    try:
        return read_models()[name]
    except KeyError:
        raise DeclarationError(f"no read model {name!r}; declared: {', '.join(read_models())}") from None


def check(model: ReadModel) -> None:
    """What a declaration must get right on its own: joins reach the root, aggregates name a one-to-many join,
    field names are unique."""
    reached = {model.root}
    for join in model.joins:
        if join.parent not in reached:
            raise DeclarationError(f"{model.name}: join {join.table} hangs off {join.parent}, which is not joined")
        reached.add(join.table)
    many = {j.table for j in model.joins if j.many}
    for aggregate in model.aggregates:
        if aggregate.over not in many:
            raise DeclarationError(
                f"{model.name}: aggregate {aggregate.name} is over {aggregate.over}, no one-to-many join"
            )
        if aggregate.fn != "count" and not aggregate.column:
            raise DeclarationError(f"{model.name}: aggregate {aggregate.name} ({aggregate.fn}) needs a column")
    names = [f.name for f in model.fields]
    if len(names) != len(set(names)):
        raise DeclarationError(f"{model.name}: a field is declared twice")
    check_streamable(model)


def check_streamable(model: ReadModel) -> None:
    """What the declared engine (pipelines/declared/) can keep by itself, for the parts no hook computes:
    aggregates over a table joined straight to the root, filtered by nothing; and, for a model with no
    hand-written stage, fields that are the root's own columns or aggregates."""
    for aggregate in model.aggregates:
        if aggregate.name in model.hooks.computed:
            continue
        join = next(j for j in model.joins if j.table == aggregate.over)
        if join.parent != model.root or aggregate.where is not None:
            raise DeclarationError(
                f"{model.name}: aggregate {aggregate.name} must be over a table joined to {model.root} and have "
                "no `where` to be streamed; otherwise compute it in the model's stage (Hooks.computed)"
            )
    if model.hooks.stage is not None:
        return
    aggregates = {a.name for a in model.aggregates}
    for field in model.fields:
        joined = field.source is not None and "." in field.source and not field.source.startswith(f"{model.root}.")
        if field.name not in aggregates and (field.sql is not None or joined):
            raise DeclarationError(
                f"{model.name}: field {field.name} is an expression or a joined column; the declared engine "
                "streams root columns and aggregates only (give the model a stage, Hooks.stage)"
            )
