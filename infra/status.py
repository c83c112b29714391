"""Collect the stack's state as one JSON-ready object, for `readside status` and for tests."""

from __future__ import annotations

import httpx

from infra.native.apps import APPS
from infra.native.stack import NativeStack
from infra.pipeline_status import pipeline_progress
from infra.probes import probes
from infra.rebuild.state import aliases_report, read_model_aliases
from infra.registrar import Registrar
from infra.secrets import postgres_password, write_token_source
from infra.settings import StackMode, StackSettings
from infra.slot import slot_report


def collect_status(settings: StackSettings, ask_console: bool = True) -> dict:
    """Everything `readside status` shows. With `ask_console`, the pipeline's health also says whether it makes
    progress: only the console, which samples over time, can tell a stalled pipeline from a quiet one."""
    services: dict[str, dict] = {}
    if settings.stack is StackMode.native:
        native = NativeStack(settings)
        components = {name: h.as_dict() for name, h in native.health().items()}
        services = {name: h.as_dict() for name, h in native.health([a for a in APPS if a in native.units]).items()}
    else:
        checks = probes(settings, postgres_password(settings))
        components = {name: check().as_dict() for name, check in checks.items()}
    connectors: dict[str, dict] = {}
    if components["connect"]["healthy"]:
        try:
            for name, status in Registrar(settings.connect_url).list_status().items():
                connectors[name] = {
                    "state": status["connector"]["state"],
                    "trace": status["connector"].get("trace", ""),
                    "tasks": [
                        {"id": t["id"], "state": t["state"], "trace": t.get("trace", "")} for t in status["tasks"]
                    ],
                }
        except httpx.HTTPError as exc:
            components["connect"].update(healthy=False, detail=f"listing connectors failed: {exc}")
    pipeline = pipeline_progress(settings) if components["kafka"]["healthy"] else None
    slots = slot_report(settings, postgres_password(settings)) if components["postgres"]["healthy"] else []
    console = services.get("console")
    if ask_console and console and console["healthy"]:
        try:
            verdict = httpx.get(f"{console['url']}/api/problems", timeout=3).json()
            mark_pipeline_problems({"services": services}, verdict["pipeline"])
            if pipeline is not None:
                pipeline["source_paused"] = bool(verdict.get("source_paused"))
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            console.update(healthy=False, detail=f"its verdict on the pipeline could not be read: {exc}")
    read_models = {}
    if components["elasticsearch"]["healthy"]:
        try:
            read_models = aliases_report(settings.elasticsearch_url, read_model_aliases())
        except ImportError:
            pass  # the compose image's CLI carries infra/ only: no read-model names to ask for
        except httpx.HTTPError as exc:
            components["elasticsearch"].update(healthy=False, detail=f"reading the aliases failed: {exc}")
    return {
        "stack": settings.stack.value,
        "data_dir": str(settings.data),
        "components": components,
        "connectors": connectors,
        "services": services,
        "replication_slots": slots,
        "pipeline": pipeline,
        "read_models": read_models,
        "write_token": write_token_source(settings),
    }


def mark_pipeline_problems(status: dict, problems: list[str]) -> None:
    pipeline = status["services"].get("pipeline")
    if pipeline and pipeline["healthy"] and problems:
        pipeline.update(healthy=False, detail="no progress: " + "; ".join(problems))


def all_healthy(status: dict) -> bool:
    parts_ok = all(c["healthy"] for c in [*status["components"].values(), *status["services"].values()])
    connectors_ok = all(
        c["state"] == "RUNNING" and c["tasks"] and all(t["state"] == "RUNNING" for t in c["tasks"])
        for c in status["connectors"].values()
    )
    slots_ok = all(slot["level"] == "ok" for slot in status["replication_slots"])
    return parts_ok and connectors_ok and slots_ok
