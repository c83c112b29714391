"""docker-compose.yml, part 4: the pipeline worker, a service that `docker compose up --scale pipeline=N` can
run N times (no fixed name or published port), with what it imports mounted read-only and nothing else."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.unit.compose.support import ROOT, environment, mounts


def test_the_pipeline_scales_no_name_no_published_port(services):
    pipeline = services["pipeline"]
    assert "container_name" not in pipeline and "hostname" not in pipeline, "replicas need their own names"
    assert not pipeline.get("ports"), "a published host port clashes at the second replica"
    assert pipeline.get("restart") == "unless-stopped", "a worker exits on purpose after a failed batch"
    assert pipeline.get("user") and not str(pipeline["user"]).startswith("0"), "run unprivileged"


def test_the_pipeline_reads_the_stack_inside_the_compose_network(services):
    env = environment(services["pipeline"])
    internal = environment(services["kafka"])["KAFKA_ADVERTISED_LISTENERS"].split(",")[0].split("//")[1]
    assert env["READSIDE_KAFKA_BOOTSTRAP_SERVERS"] == internal
    assert env["READSIDE_ELASTICSEARCH_HOSTS"] == "http://${READSIDE_SEARCH_SERVICE:-elasticsearch}:9200"
    assert env["READSIDE_TOPIC_PARTITIONS"] == environment(services["connect"])["READSIDE_TOPIC_PARTITIONS"]


def _imported_top_levels(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def test_the_pipeline_gets_every_package_of_ours_it_imports_read_only(services):
    mounted = {target.removeprefix("/app/"): read_only for _, target, read_only in mounts(services["pipeline"])}
    assert all(mounted.values()), f"mount the sources read-only: {mounted}"
    ours = {"pipelines", "search_client", "infra", "services"}
    needed = {
        name for name in _imported_top_levels("pipelines") | _imported_top_levels("search_client") if name in ours
    }
    assert needed <= set(mounted), f"the worker imports {sorted(needed - set(mounted))}, which is not mounted"
    assert "schemas" in mounted, "the worker creates its indices from schemas/elasticsearch"
    assert not {".readside", "infra"} & set(mounted), "data, downloads and secrets stay out"


def test_the_pipeline_installs_every_pinned_dependency():
    script = ROOT / "infra" / "compose" / "registrar_requirements.py"
    printed = subprocess.run([sys.executable, str(script), "--all"], capture_output=True, text=True, check=True)
    lines = printed.stdout.split()
    assert any(line.startswith("faust-streaming==") for line in lines) and all("==" in line for line in lines)
    assert len(lines) > len(
        subprocess.run([sys.executable, str(script)], capture_output=True, text=True).stdout.split()
    )
