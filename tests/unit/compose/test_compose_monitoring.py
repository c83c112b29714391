"""docker-compose.yml, part 3: the optional monitoring (profile `monitoring`), its Prometheus config, the
Grafana provisioning and the readside dashboard.

No Docker needed: these tests only read files.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from infra.settings import StackSettings
from tests.unit.compose.support import ROOT, bind_source, command_tokens, environment, mounts, split_image

MONITORING = ROOT / "infra" / "monitoring"
PROMETHEUS_CONFIG = MONITORING / "prometheus.yml"
GRAFANA = MONITORING / "grafana"
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD_PROVIDER = GRAFANA / "provisioning" / "dashboards" / "readside.yml"
DASHBOARD = GRAFANA / "dashboards" / "readside.json"

# monitoring service -> (its versions.env variable, the official image repository)
MONITORING_IMAGES = {
    "prometheus": ("PROMETHEUS_IMAGE", "prom/prometheus"),
    "grafana": ("GRAFANA_IMAGE", "grafana/grafana"),
}

# Every metric the readside processes export that the dashboard may chart (histograms without the
# _bucket/_sum/_count suffix).
PIPELINE_METRICS = {
    "readside_freshness_seconds",
    "readside_pipeline_events_total",
    "readside_documents_written_total",
    "readside_dead_letters_total",
    "readside_es_bulk_seconds",
    "readside_batch_seconds",
    "readside_event_loop_lag_seconds",
    "readside_handover_pending_lsn",
}
CONSOLE_METRICS = {
    "readside_replication_slot_retained_wal_bytes",
    "readside_replication_slot_wal_limit_bytes",
    "readside_replication_slot_active",
    "readside_replication_slot_lost",
    "readside_connector_task_state",
    "readside_connector_restarts_total",
    "readside_consumer_lag_messages",
    "readside_component_up",
    "readside_dead_letters_pending",
}
QUERY_API_METRICS = {
    "readside_query_requests_total",
    "readside_query_request_seconds",
    "readside_query_consistency_wait_seconds",
    "readside_query_consistency_timeouts_total",
}
KNOWN_METRICS = PIPELINE_METRICS | CONSOLE_METRICS | QUERY_API_METRICS
ROWS = ["Freshness & throughput", "Kafka & Connect", "Replication slot", "Query API", "Worker internals"]

METRIC_NAME = re.compile(r"readside_[a-z_]+")
HISTOGRAM_SUFFIX = re.compile(r"_(bucket|sum|count)$")


def metric_names(expr: str) -> set[str]:
    return {HISTOGRAM_SUFFIX.sub("", name) for name in METRIC_NAME.findall(expr)}


def all_panels(dashboard: dict) -> list[dict]:
    """Every panel, the ones folded inside a collapsed row included."""
    found = []
    for panel in dashboard.get("panels") or []:
        found.append(panel)
        found.extend(panel.get("panels") or [])
    return found


def targets(dashboard: dict) -> list[tuple[dict, dict]]:
    return [(panel, target) for panel in all_panels(dashboard) for target in panel.get("targets") or []]


def scrape_targets(config: dict) -> dict[str, list[str]]:
    """job name -> its static targets."""
    return {
        job["job_name"]: [t for static in job.get("static_configs") or [] for t in static.get("targets") or []]
        for job in config.get("scrape_configs") or []
    }


@pytest.fixture(scope="module")
def prometheus_config() -> dict:
    return yaml.safe_load(PROMETHEUS_CONFIG.read_text())


@pytest.fixture(scope="module")
def datasource() -> dict:
    data = yaml.safe_load(DATASOURCES.read_text())
    sources = [s for s in data.get("datasources") or [] if s.get("type") == "prometheus"]
    assert len(sources) == 1, f"{DATASOURCES.name}: provision exactly one Prometheus datasource"
    return sources[0]


@pytest.fixture(scope="module")
def dashboard() -> dict:
    with DASHBOARD.open() as f:
        return json.load(f)


# ----------------------------------------------------------------------------------- compose


def test_monitoring_services_are_only_in_the_monitoring_profile(services):
    for name in MONITORING_IMAGES:
        assert name in services, f"docker-compose.yml has no {name} service"
        assert services[name].get("profiles") == ["monitoring"], f"{name}: put it in the profile monitoring only"
    # The one other profile is the optional search engine: OpenSearch in place of Elasticsearch, never extra.
    optional = {name for name, service in services.items() if service.get("profiles") == ["opensearch"]}
    assert optional <= {"opensearch"}, f"only the opensearch service belongs in the profile opensearch: {optional}"
    others = [
        name
        for name, service in services.items()
        if name not in MONITORING_IMAGES and name not in optional and service.get("profiles")
    ]
    assert not others, f"a plain `docker compose up` must still start the whole stack: {others} have profiles"


def test_header_says_how_to_start_monitoring(text):
    header = "\n".join(line for line in text.splitlines()[:60] if line.startswith("#"))
    assert "docker compose --profile monitoring up -d" in header


def test_monitoring_images_are_pinned_in_versions_env(services, versions):
    for name, (variable, repository) in MONITORING_IMAGES.items():
        assert services[name].get("image") == f"${{{variable}}}", f"{name}: image should be exactly ${{{variable}}}"
        assert versions.get(variable), f"infra/versions.env does not define {variable}"
        repo, tag = split_image(versions[variable])
        assert repo in (repository, f"docker.io/{repository}"), f"{name}: {repo} is not the official image"
        assert re.fullmatch(r"v?\d+\.\d+\.\d+", tag), f"{name}: pin a release, not {tag!r}"


def test_monitoring_runs_on_the_host_network_listening_on_loopback_only(services):
    for name in MONITORING_IMAGES:
        service = services[name]
        # The readside processes listen on the host's 127.0.0.1: only the host's network reaches them.
        assert service.get("network_mode") == "host", f"{name}: needs network_mode host to scrape 127.0.0.1"
        assert not service.get("ports"), f"{name}: ports are not published with host networking"
    argv = command_tokens(services["prometheus"].get("command"))
    listen = [t.split("=", 1)[1] for t in argv if t.startswith("--web.listen-address=")]
    assert listen == ["127.0.0.1:9090"], f"prometheus must listen on 127.0.0.1:9090 only: {argv}"
    assert "--config.file=/etc/prometheus/prometheus.yml" in argv
    env = environment(services["grafana"])
    assert env.get("GF_SERVER_HTTP_ADDR") == "127.0.0.1", "grafana must listen on 127.0.0.1 only"
    assert env.get("GF_SERVER_HTTP_PORT", "3000") == "3000"
    assert env.get("GF_AUTH_ANONYMOUS_ENABLED") == "true"
    assert env.get("GF_AUTH_ANONYMOUS_ORG_ROLE") == "Viewer", "anonymous visitors may look, not edit"


def test_monitoring_config_is_mounted_read_only(services):
    prometheus = {bind_source(s): (t, ro) for s, t, ro in mounts(services["prometheus"])}
    assert prometheus.get(PROMETHEUS_CONFIG.resolve()) == ("/etc/prometheus/prometheus.yml", True)
    grafana = {bind_source(s): (t, ro) for s, t, ro in mounts(services["grafana"])}
    assert grafana.get((GRAFANA / "provisioning").resolve()) == ("/etc/grafana/provisioning", True)
    assert grafana.get((GRAFANA / "dashboards").resolve()) == ("/var/lib/grafana/dashboards", True)


# -------------------------------------------------------------------------------- prometheus


def test_prometheus_scrapes_every_readside_endpoint(prometheus_config):
    assert prometheus_config["global"]["scrape_interval"] == "5s"
    jobs = scrape_targets(prometheus_config)
    defaults = StackSettings.model_fields
    expected = {
        "pipeline": defaults["pipeline_metrics_port"].default,
        "query-api": defaults["query_api_port"].default,
        "console": defaults["console_port"].default,
    }
    assert sorted(expected.values()) == [8002, 8003, 9102]
    for job, port in expected.items():
        assert jobs.get(job) == [f"127.0.0.1:{port}"], f"job {job} should scrape 127.0.0.1:{port}"
    for job in prometheus_config["scrape_configs"]:
        assert job.get("metrics_path", "/metrics") == "/metrics"


def test_write_api_is_scraped_only_if_it_serves_metrics(prometheus_config):
    serves_metrics = any("/metrics" in path.read_text() for path in (ROOT / "services" / "write_api").rglob("*.py"))
    scraped = any(t.endswith(":8001") for ts in scrape_targets(prometheus_config).values() for t in ts)
    assert scraped == serves_metrics, "scrape the write API (127.0.0.1:8001) exactly when it serves /metrics"


# ----------------------------------------------------------------------------------- grafana


def test_datasource_points_at_the_prometheus_service(datasource):
    assert datasource.get("uid") == "readside-prometheus"
    assert datasource.get("url") == "http://127.0.0.1:9090"


def test_dashboard_provider_loads_the_mounted_folder():
    data = yaml.safe_load(DASHBOARD_PROVIDER.read_text())
    providers = data.get("providers") or []
    assert [p.get("type") for p in providers] == ["file"]
    assert providers[0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_dashboard_is_the_readside_one(dashboard):
    assert dashboard["uid"] == "readside"
    assert dashboard.get("title")
    assert 36 <= dashboard["schemaVersion"] <= 42
    rows = [p["title"] for p in dashboard["panels"] if p.get("type") == "row"]
    assert rows == ROWS


def test_every_panel_uses_the_provisioned_datasource(dashboard, datasource):
    panels = all_panels(dashboard)
    assert panels
    for panel in panels:
        assert (panel.get("datasource") or {}).get("uid") == datasource["uid"], (
            f"panel {panel.get('title')!r}: datasource uid should be {datasource['uid']!r}"
        )
        for target in panel.get("targets") or []:
            assert (target.get("datasource") or {}).get("uid", datasource["uid"]) == datasource["uid"], (
                f"panel {panel.get('title')!r}, query {target.get('refId')}: another datasource"
            )


def test_dashboard_charts_only_exported_metrics(dashboard):
    used: set[str] = set()
    for panel, target in targets(dashboard):
        expr = target.get("expr", "")
        names = metric_names(expr)
        assert names, f"panel {panel['title']!r}: query {expr!r} names no readside metric"
        unknown = names - KNOWN_METRICS
        assert not unknown, f"panel {panel['title']!r}: {sorted(unknown)} is not a metric readside exports"
        used |= names
    missing = KNOWN_METRICS - used
    assert not missing, f"the dashboard charts no panel of {sorted(missing)}"


def test_metric_names_are_read_without_histogram_suffixes():
    expr = (
        "histogram_quantile(0.99, sum by (le) (rate(readside_es_bulk_seconds_bucket[1m])))"
        " / readside_query_requests_total"
    )
    assert metric_names(expr) == {"readside_es_bulk_seconds", "readside_query_requests_total"}


def test_panels_have_units_that_fit_their_metrics(dashboard):
    for panel in all_panels(dashboard):
        exprs = [t.get("expr", "") for t in panel.get("targets") or []]
        if not exprs:
            continue
        unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
        if all("histogram_quantile(" in e for e in exprs):
            assert unit == "s", f"panel {panel['title']!r}: latency quantiles are in seconds"
        if all(re.search(r"rate\(readside_\w+_total\[", e) for e in exprs):
            assert unit in ("ops", "reqps"), f"panel {panel['title']!r}: a rate is per second, not {unit!r}"
        names = set().union(*(metric_names(e) for e in exprs))
        if names and all(n.endswith("_bytes") for n in names) and not any("/" in e for e in exprs):
            assert unit == "bytes", f"panel {panel['title']!r}: WAL sizes are in bytes"


def test_panels_do_not_overlap(dashboard):
    taken: dict[tuple[int, int], str] = {}
    for panel in dashboard["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, f"panel {panel.get('title')!r} is wider than the grid"
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in taken, f"{panel.get('title')!r} overlaps {taken[(x, y)]!r}"
                taken[(x, y)] = panel.get("title", "")


def test_known_metrics_are_the_exporters_names():
    sources = {
        "pipelines/metrics.py": PIPELINE_METRICS,
        "infra/console/metrics.py": CONSOLE_METRICS,
        "services/query_api/entrypoints/metrics.py": QUERY_API_METRICS,
    }
    for path, names in sources.items():
        text = (ROOT / path).read_text()
        missing = sorted(name for name in names if f'"{name}"' not in text)
        assert not missing, f"{path} no longer exports {missing}: update the dashboard"


def test_opensearch_is_optional_pinned_loopback_and_without_security(services):
    service = services["opensearch"]
    assert service.get("profiles") == ["opensearch"]
    assert service["image"] == "${OPENSEARCH_IMAGE}"
    assert all(str(port).startswith("127.0.0.1:") for port in service["ports"])
    env = service["environment"]
    assert env["DISABLE_SECURITY_PLUGIN"] == "true" and env["DISABLE_INSTALL_DEMO_CONFIG"] == "true"
