"""READSIDE_ES_NODES: which Elasticsearch nodes run, on which ports, and how they find each other."""

from __future__ import annotations

from infra.native.search_nodes import ES_NODES, _discovery
from infra.settings import StackSettings

BOOTSTRAP = "cluster.initial_master_nodes"


def test_one_node_runs_alone_as_a_single_node_cluster(tmp_path):
    settings = StackSettings(data_dir=tmp_path)
    assert [node.name for node in ES_NODES if node.wanted(settings)] == ["elasticsearch"]
    assert _discovery(settings, 1, BOOTSTRAP, first_start=True) == {"discovery.type": "single-node"}


def test_node_k_binds_the_ports_of_node_one_plus_k_minus_one(tmp_path):
    settings = StackSettings(
        data_dir=tmp_path, es_nodes=2, elasticsearch_port=19200, elasticsearch_transport_port=19300
    )
    assert [node.name for node in ES_NODES if node.wanted(settings)] == ["elasticsearch", "elasticsearch-2"]
    assert ES_NODES[1].ports(settings) == {"elasticsearch_port": 19201, "elasticsearch_transport_port": 19301}
    assert settings.elasticsearch_node_url(2) == "http://127.0.0.1:19201"


def test_node_one_bootstraps_a_new_cluster_and_the_others_join_it(tmp_path):
    settings = StackSettings(data_dir=tmp_path, es_nodes=2, elasticsearch_transport_port=19300)
    seeds = "127.0.0.1:19300,127.0.0.1:19301"
    assert _discovery(settings, 1, BOOTSTRAP, first_start=True) == {
        "discovery.seed_hosts": seeds,
        "cluster.initial_master_nodes": "readside-1",
    }
    assert _discovery(settings, 2, BOOTSTRAP, first_start=True) == {"discovery.seed_hosts": seeds}


def test_a_cluster_that_has_formed_is_never_bootstrapped_again(tmp_path):
    """A stack that grows from one node to two keeps its cluster: node 1 has data, so no bootstrap setting."""
    settings = StackSettings(data_dir=tmp_path, es_nodes=2)
    assert "cluster.initial_master_nodes" not in _discovery(settings, 1, BOOTSTRAP, first_start=False)
