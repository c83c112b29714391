"""READSIDE_WORKERS: which pipeline workers run, on which ports, with which secrets."""

from __future__ import annotations

from infra.backfill.runner import worker_url
from infra.cli.read_models import running_workers
from infra.native.apps import APPS, SECRETS_OF, PipelineWorker
from infra.settings import StackMode, StackSettings
from pipelines.settings import PipelineSettings


def test_one_worker_by_default_and_n_when_asked(tmp_path):
    workers = [app for app in APPS if app.role == "pipeline"]
    assert [w.name for w in workers if w.wanted(StackSettings(data_dir=tmp_path))] == ["pipeline"]
    asked = StackSettings(data_dir=tmp_path, workers=3)
    assert [w.name for w in workers if w.wanted(asked)] == ["pipeline", "pipeline-2", "pipeline-3"]


def test_worker_k_serves_on_the_first_workers_ports_plus_k_minus_one(tmp_path):
    settings = StackSettings(data_dir=tmp_path, workers=2, pipeline_metrics_port=9102, pipeline_web_port=6066)
    second = PipelineWorker(2)
    assert second.ports(settings) == {"pipeline_metrics_port": 9103, "pipeline_web_port": 6067}
    assert second.url(settings) == "http://127.0.0.1:9103"


def test_every_worker_gets_the_pipelines_secrets_only():
    assert {app.name: SECRETS_OF[app.role] for app in APPS if app.role == "pipeline"}["pipeline-2"] == (
        "READSIDE_CONTROL_TOKEN",
    )


def test_a_backfill_pauses_every_worker_at_its_own_web_port(tmp_path):
    pipeline = PipelineSettings(pipeline_web_port=6066)
    assert [worker_url(pipeline, k) for k in (1, 2)] == ["http://127.0.0.1:6066", "http://127.0.0.1:6067"]
    assert running_workers(StackSettings(data_dir=tmp_path, workers=3)) == 3  # none runs: those wanted
    assert running_workers(StackSettings(data_dir=tmp_path, stack=StackMode.external, workers=2)) == 2
