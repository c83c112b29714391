"""The search engines the native stack can run: where each comes from, what it is called, what it needs."""

from __future__ import annotations

from dataclasses import dataclass

from infra.settings import SearchEngine


@dataclass(frozen=True)
class Engine:
    name: str  # the distribution's folder and binary: elasticsearch-<version>/bin/elasticsearch
    version_key: str  # its pin in infra/versions.env
    artifact_key: str  # its Maven Central group:artifact there (an integ-test zip, classifier zip)
    env_prefix: str  # ES_JAVA_HOME, ES_PATH_CONF… or OPENSEARCH_JAVA_HOME…
    min_java: int
    client_major: int | None  # the Python client's major it needs (the Elasticsearch client checks the server)
    options: tuple[tuple[str, str], ...]  # engine-specific node settings
    bootstrap_setting: str  # the setting naming the nodes that form a new cluster


# Security must be off from the first start on Elasticsearch: its auto-configuration writes a keystore the
# integ-test distribution cannot read. Safe only because the stack binds loopback. OpenSearch's integ-test
# zip has no security plugin, and refuses settings it does not know.
ENGINES = {
    SearchEngine.elasticsearch: Engine(
        "elasticsearch",
        "ELASTICSEARCH_VERSION",
        "ELASTICSEARCH_ARTIFACT",
        "ES",
        17,
        8,
        (("xpack.security.enabled", "false"),),
        "cluster.initial_master_nodes",
    ),
    SearchEngine.elasticsearch9: Engine(
        "elasticsearch",
        "ELASTICSEARCH9_VERSION",
        "ELASTICSEARCH_ARTIFACT",
        "ES",
        21,
        9,
        (("xpack.security.enabled", "false"),),
        "cluster.initial_master_nodes",
    ),
    SearchEngine.opensearch: Engine(
        "opensearch",
        "OPENSEARCH_VERSION",
        "OPENSEARCH_ARTIFACT",
        "OPENSEARCH",
        17,
        None,
        (),
        "cluster.initial_cluster_manager_nodes",
    ),
}
