"""The search engine's nodes (Elasticsearch or OpenSearch, READSIDE_ES_NODES of them): setup, launch, discovery."""

from __future__ import annotations

import shutil
from pathlib import Path

from infra.native.process import own
from infra.native.unit import Context, Launch, Server
from infra.settings import StackSettings


class Elasticsearch(Server):
    """Node `node` of the search engine's cluster (Elasticsearch or OpenSearch; READSIDE_ES_NODES nodes): node 1
    alone runs as a single-node cluster; with more, node 1 bootstraps the cluster on its first start and the
    others join it. Node k binds node 1's ports plus k-1."""

    def __init__(self, node: int = 1) -> None:
        self.node = node
        self.name = "elasticsearch" if node == 1 else f"elasticsearch-{node}"

    def wanted(self, s: StackSettings) -> bool:
        return self.node <= s.es_nodes

    def ports(self, s: StackSettings) -> dict[str, int]:
        return {
            "elasticsearch_port": s.elasticsearch_port + self.node - 1,
            "elasticsearch_transport_port": s.elasticsearch_transport_port + self.node - 1,
        }

    def prepare(self, ctx: Context) -> None:
        home = ctx.home(self.name)
        config = home / "config"
        if not config.exists():  # a private copy: the node writes its keystore next to its config
            shutil.copytree(ctx.dist.search_home / "config", config)
        _absolute_jvm_paths(config / "jvm.options", home)
        for sub in ("data", "logs", "tmp"):
            (home / sub).mkdir(parents=True, exist_ok=True)
        own(home, ctx.run_as)

    def launch(self, ctx: Context) -> Launch:
        s, home, engine = ctx.settings, ctx.home(self.name), ctx.dist.engine
        ports = self.ports(s)
        first_start = not any((ctx.home("elasticsearch") / "data").iterdir())
        options: dict[str, object] = {
            "cluster.name": "readside",
            "node.name": f"readside-{self.node}",
            **dict(engine.options),
            "network.host": s.host,
            "http.port": ports["elasticsearch_port"],
            "transport.port": ports["elasticsearch_transport_port"],
            "path.data": home / "data",
            "path.logs": home / "logs",
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            **_discovery(s, self.node, engine.bootstrap_setting, first_start),
        }
        argv = [str(ctx.dist.search_home / "bin" / engine.name)]
        for key, value in options.items():
            argv += ["-E", f"{key}={value}"]
        env = {
            f"{engine.env_prefix}_JAVA_HOME": str(ctx.search_java_home),
            f"{engine.env_prefix}_PATH_CONF": str(home / "config"),
            f"{engine.env_prefix}_TMPDIR": str(home / "tmp"),
            f"{engine.env_prefix}_JAVA_OPTS": f"-Xms{s.elasticsearch_heap} -Xmx{s.elasticsearch_heap}",
        }
        return Launch(argv, env)


def _absolute_jvm_paths(options: Path, home: Path) -> None:
    """OpenSearch's jvm.options name the GC log, error file and heap dumps relative to the working folder
    (logs/gc.log, data), which the service user cannot write: point them into the node's home (idempotent)."""
    text = options.read_text()
    fixed = text.replace("=logs/", f"={home}/logs/").replace("HeapDumpPath=data\n", f"HeapDumpPath={home}/data\n")
    if fixed != text:
        options.write_text(fixed)


def _discovery(s: StackSettings, node: int, bootstrap_setting: str, first_start: bool) -> dict[str, object]:
    """How node `node` finds the cluster. Node 1 bootstraps it alone (when the cluster has never formed), so
    it holds the only vote of a two-node cluster: stopping node 2 keeps the cluster up; stopping node 1 stops
    writes until it is back. With three nodes every node votes and any one may stop."""
    if s.es_nodes == 1:
        return {"discovery.type": "single-node"}
    seeds = ",".join(f"{s.host}:{s.elasticsearch_transport_port + k}" for k in range(s.es_nodes))
    bootstrap = {bootstrap_setting: "readside-1"} if node == 1 and first_start else {}
    return {"discovery.seed_hosts": seeds, **bootstrap}


ES_NODES = [Elasticsearch(node) for node in (1, 2, 3)]  # those past READSIDE_ES_NODES are not wanted
