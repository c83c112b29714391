"""What `readside status` says of rebuilds: where each read model's alias points, and which other indices
the worker keeps writing (an unfinished rebuild, or the version kept for rollback). Imports pipelines/ only
when called."""

from __future__ import annotations

import httpx


def read_model_aliases() -> tuple[str, ...]:
    from catalog.registry import read_models
    from pipelines.settings import PipelineSettings

    settings = PipelineSettings()
    return tuple(settings.index_names(model).alias for model in read_models().values())


def aliases_report(es_url: str, aliases: tuple[str, ...]) -> dict[str, dict]:
    """alias -> {"live": [indices], "also_written": [indices]}; one request for all of them."""
    from pipelines.core.targets import shadow_alias  # not at load: the CLI's container image lacks pipelines/

    names = ",".join([*aliases, *map(shadow_alias, aliases)])
    response = httpx.get(f"{es_url}/_alias/{names}", timeout=5)
    if response.status_code != 404:  # 404: some alias is missing; the body still holds those found
        response.raise_for_status()
    by_alias: dict[str, set[str]] = {}
    for index, body in response.json().items():
        for alias in body.get("aliases", {}) if isinstance(body, dict) else ():
            by_alias.setdefault(alias, set()).add(index)
    return {
        alias: {
            "live": sorted(by_alias.get(alias, ())),
            "also_written": sorted(by_alias.get(shadow_alias(alias), set()) - by_alias.get(alias, set())),
        }
        for alias in aliases
    }
