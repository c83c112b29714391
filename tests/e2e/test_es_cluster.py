"""Elasticsearch as a cluster (READSIDE_ES_NODES=2, `make test-cluster`): every index has a replica on the other
node, and a node stopped under writes loses nothing. Node 2 away: the cluster goes on (node 1 promotes the
replicas) and token reads keep answering with the newest data. Node 1 away (it holds the two-node cluster's
only vote): writes to Elasticsearch wait until it is back, then the read models catch up, `verify` 0."""

from __future__ import annotations

import os
import signal
import time

import httpx
import pytest

from catalog.derive import versioned
from catalog.registry import read_models
from infra.native.stack import BY_NAME, NativeStack
from infra.polling import poll_until
from tests.support.pipeline import assert_verified, server_pid
from tests.support.stack import native_with
from tests.support.workload import ANSWERS_WHILE_DOWN, Renamer, customer_once_writes_work

pytestmark = pytest.mark.e2e


@pytest.fixture
def cluster(stack):
    return native_with(stack, stack.settings.es_nodes >= 2, "READSIDE_ES_NODES=2 (`make test-cluster`)")


def _shards(url: str) -> list[dict]:
    return httpx.get(f"{url}/_cat/shards?format=json&h=index,prirep,state,node").raise_for_status().json()


def _green(url: str) -> bool:
    health = httpx.get(f"{url}/_cluster/health").json()
    return health["status"] == "green" and health["number_of_nodes"] == 2


def test_every_index_has_a_replica_on_the_other_node(cluster):
    url = cluster.settings.elasticsearch_url
    poll_until(lambda: _green(url), 120, "the cluster to be green with 2 nodes")
    by_index: dict[str, set[str]] = {}
    for shard in _shards(url):
        assert shard["state"] == "STARTED", shard
        by_index.setdefault(shard["index"], set()).add(shard["node"])
    declared = {versioned(model) for model in read_models().values()}  # products_v3, orders_v1, ...
    assert {*declared, "readside_checkpoints_v1"} <= set(by_index)
    assert all(nodes == {"readside-1", "readside-2"} for nodes in by_index.values()), by_index


def test_node_two_stopped_under_writes_the_cluster_goes_on_and_nothing_is_lost(cluster, shop):
    native, url = NativeStack(cluster.settings), cluster.settings.elasticsearch_url
    poll_until(lambda: _green(url), 120, "the cluster to be green with 2 nodes")
    renamer = Renamer(cluster, shop.add_product(initial_stock=100_000), customer_once_writes_work(shop))
    renamer.start()
    try:
        poll_until(lambda: renamer.acked >= 10, 60, "writes to flow before the stop")
        native.down(only=["elasticsearch-2"])
        read_before = renamer.statuses.get("read 200", 0)
        poll_until(lambda: renamer.statuses.get("read 200", 0) >= read_before + 20, 120, "token reads on one node")
        health = httpx.get(f"{url}/_cluster/health").json()
        native.up()
        poll_until(lambda: _green(url), 180, "node 2 to rejoin and the replicas to recover")
        acked = renamer.acked
        poll_until(lambda: renamer.acked >= acked + 10, 120, "writes to flow after node 2 is back")
    finally:
        renamer.stop()
    print(f"node 2 away: cluster {health['status']} with {health['number_of_nodes']} node; answers {renamer.statuses}")
    assert health["number_of_nodes"] == 1 and health["status"] in ("yellow", "green")
    assert renamer.stale == []
    assert {int(key.rsplit(" ", 1)[1]) for key in renamer.statuses} <= {200, 201}, renamer.statuses
    assert_verified()


def test_node_one_killed_under_writes_is_restarted_and_nothing_is_lost(cluster, shop):
    native, url = NativeStack(cluster.settings), cluster.settings.elasticsearch_url
    poll_until(lambda: _green(url), 120, "the cluster to be green with 2 nodes")
    renamer = Renamer(cluster, shop.add_product(initial_stock=100_000), customer_once_writes_work(shop))
    renamer.start()
    try:
        poll_until(lambda: renamer.acked >= 10, 60, "writes to flow before the kill")
        victim = server_pid(cluster, "elasticsearch")
        assert victim
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()

        def restarted() -> bool:
            health = native.health([BY_NAME["elasticsearch"]])["elasticsearch"]
            return health.healthy and health.pid != victim

        poll_until(restarted, 180, "node 1's supervisor to restart it", 0.5)
        back = time.monotonic() - killed
        poll_until(lambda: _green(url), 180, "the cluster to be green again")
        acked = renamer.acked
        poll_until(lambda: renamer.acked >= acked + 10, 180, "writes to flow after node 1 is back")
    finally:
        renamer.stop()
    print(f"node 1: back in {back:.1f} s; answers {renamer.statuses}")
    assert renamer.stale == []
    assert {int(key.rsplit(" ", 1)[1]) for key in renamer.statuses} <= {0, 200, 201, *ANSWERS_WHILE_DOWN}
    assert_verified()
