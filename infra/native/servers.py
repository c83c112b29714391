"""Postgres, Kafka and Connect: how each is prepared once, launched, and told to stop (the search engine's nodes:
infra/native/search_nodes.py; what a server is: infra/native/unit.py)."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

from infra.native.process import StackError, own
from infra.native.search_nodes import ES_NODES
from infra.native.unit import TEMPLATES, Context, Launch, Server
from infra.settings import PROJECT_ROOT, StackSettings

BOOTSTRAP_SQL = PROJECT_ROOT / "infra" / "postgres" / "bootstrap.sql"


def postgres_bin(settings: StackSettings) -> Path:
    major = settings.versions["POSTGRES_MAJOR"]
    path = Path(f"/usr/lib/postgresql/{major}/bin")
    if not (path / "postgres").exists():
        raise StackError(
            f"PostgreSQL {major} server binaries not found in {path}: "
            f"run `make deps` (apt-get install postgresql-{major})"
        )
    return path


class Postgres(Server):
    name = "postgres"
    stop_signal = signal.SIGINT  # "fast" shutdown: a smart one would wait on Debezium's replication connection

    port_fields = ("postgres_port",)

    def _dirs(self, ctx: Context) -> tuple[Path, Path]:
        return self.home(ctx) / "data", self.home(ctx) / "run"

    def home(self, ctx: Context) -> Path:
        return ctx.home("postgres")

    def prepare(self, ctx: Context) -> None:
        data, run = self._dirs(ctx)
        run.mkdir(parents=True, exist_ok=True)
        if not (data / "PG_VERSION").exists():
            data.mkdir(parents=True, exist_ok=True)
            own(self.home(ctx), ctx.run_as)
            # Local socket: trust, but the socket folder is private to the service user (and root).
            cmd = [
                str(postgres_bin(ctx.settings) / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
            result = subprocess.run(cmd, capture_output=True, text=True, **_as_service_user(ctx))
            if result.returncode != 0:
                raise StackError(f"initdb failed:\n{result.stderr or result.stdout}")
        os.chmod(run, 0o700)
        own(self.home(ctx), ctx.run_as)

    def launch(self, ctx: Context) -> Launch:
        data, run = self._dirs(ctx)
        s = ctx.settings
        options = {
            "listen_addresses": s.host,
            "port": s.postgres_port,
            "unix_socket_directories": run,
            "wal_level": "logical",
            "max_wal_senders": 10,
            "max_replication_slots": 10,
            "max_connections": 200,
            "shared_buffers": "128MB",
            "max_slot_wal_keep_size": s.max_slot_wal_keep_size,
        }
        argv = [str(postgres_bin(s) / "postgres"), "-D", str(data)]
        for key, value in options.items():
            argv += ["-c", f"{key}={value}"]
        return Launch(argv, {})

    def accepting(self, ctx: Context) -> bool:
        # The app role exists only after bootstrap, so readiness is asked as the superuser over the socket.
        _, run = self._dirs(ctx)
        cmd = [
            str(postgres_bin(ctx.settings) / "pg_isready"),
            "-q",
            "-h",
            str(run),
            "-p",
            str(ctx.settings.postgres_port),
            "-U",
            "postgres",
        ]
        return subprocess.run(cmd).returncode == 0

    def after_start(self, ctx: Context) -> None:
        s = ctx.settings
        _, run = self._dirs(ctx)
        cmd = [
            "psql",
            "-X",
            "-q",
            "-h",
            str(run),
            "-p",
            str(s.postgres_port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-v",
            f"app_user={s.postgres_user}",
            "-v",
            f"app_password={ctx.pg_password}",
            "-v",
            f"app_db={s.postgres_db}",
            "-f",
            str(BOOTSTRAP_SQL),
        ]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise StackError(f"Postgres bootstrap ({BOOTSTRAP_SQL.name}) failed:\n{result.stderr}")


def _as_service_user(ctx: Context) -> dict:
    """subprocess arguments that drop to the service user, group included (root's group would mask o+x)."""
    return ctx.run_as.popen_kwargs()


def _jvm(ctx: Context, heap: str, log_config: Path, classpath: Path, main: str, *args: str) -> list[str]:
    return [
        str(ctx.java_home / "bin" / "java"),
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={log_config}",
        "-cp",
        f"{classpath}/*",
        main,
        *args,
    ]


def kafka_cluster_id() -> str:
    """A random cluster id as Kafka writes them; like Kafka's own, never one starting with "-",
    which the storage tool's argument parser would read as an option."""
    while (cluster_id := base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()).startswith("-"):
        continue
    return cluster_id


class Kafka(Server):
    name = "kafka"

    port_fields = ("kafka_port", "kafka_controller_port")

    def _config(self, ctx: Context) -> Path:
        return ctx.home("kafka") / "server.properties"

    def prepare(self, ctx: Context) -> None:
        s, home = ctx.settings, ctx.home("kafka")
        data = home / "data"
        config = self._render(
            "kafka-server.properties",
            self._config(ctx),
            host=s.host,
            port=s.kafka_port,
            controller_port=s.kafka_controller_port,
            data_dir=data,
            partitions=s.topic_partitions,
        )
        shutil.copy(TEMPLATES / "log4j2.properties", home / "log4j2.properties")
        if not (data / "meta.properties").exists():
            cluster_id = kafka_cluster_id()
            cmd = _jvm(
                ctx,
                "256m",
                home / "log4j2.properties",
                ctx.dist.kafka_libs,
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "-t",
                cluster_id,
                "-c",
                str(config),
            )
            own(home, ctx.run_as)
            result = subprocess.run(cmd, capture_output=True, text=True, **_as_service_user(ctx))
            if result.returncode != 0:
                raise StackError(f"formatting Kafka storage failed:\n{result.stdout}{result.stderr}")
        own(home, ctx.run_as)

    def launch(self, ctx: Context) -> Launch:
        home = ctx.home("kafka")
        return Launch(
            _jvm(
                ctx,
                ctx.settings.kafka_heap,
                home / "log4j2.properties",
                ctx.dist.kafka_libs,
                "kafka.Kafka",
                str(self._config(ctx)),
            ),
            {},
        )


def connect_environment(settings: StackSettings, pg_host: str, pg_port: int, password: str) -> dict[str, str]:
    """What connector configs read through ${env:…}: where the database is, its secret, topic layout."""
    return {
        "READSIDE_PG_HOST": pg_host,
        "READSIDE_PG_PORT": str(pg_port),
        "READSIDE_PG_USER": settings.postgres_user,
        "READSIDE_PG_DB": settings.postgres_db,
        "READSIDE_PG_PASSWORD": password,
        "READSIDE_TOPIC_PARTITIONS": str(settings.topic_partitions),
    }


class Connect(Server):
    name = "connect"

    port_fields = ("connect_port",)

    def prepare(self, ctx: Context) -> None:
        s, home = ctx.settings, ctx.home("connect")
        self._render(
            "connect-distributed.properties",
            home / "connect-distributed.properties",
            bootstrap=s.kafka_bootstrap,
            host=s.host,
            port=s.connect_port,
            plugin_path=ctx.dist.connect_plugins,
        )
        shutil.copy(TEMPLATES / "log4j2.properties", home / "log4j2.properties")
        own(home, ctx.run_as)

    def launch(self, ctx: Context) -> Launch:
        s, home = ctx.settings, ctx.home("connect")
        argv = _jvm(
            ctx,
            s.connect_heap,
            home / "log4j2.properties",
            ctx.dist.kafka_libs,
            "org.apache.kafka.connect.cli.ConnectDistributed",
            str(home / "connect-distributed.properties"),
        )
        return Launch(argv, connect_environment(s, s.host, s.postgres_port, ctx.pg_password))


SERVERS: list[Server] = [Postgres(), Kafka(), *ES_NODES, Connect()]
