"""Give a test session a running stack: native by default, Docker via testcontainers, or external servers."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from infra.native.stack import NativeStack
from infra.pipeline_status import seconds_since_last_checkpoint
from infra.polling import poll_until
from infra.secrets import postgres_password
from infra.settings import PROJECT_ROOT, StackMode, StackSettings
from infra.status import all_healthy, collect_status


@dataclass(frozen=True)
class RunningStack:
    settings: StackSettings
    postgres_dsn: str
    started: tuple[str, ...]  # what this session started (and will stop)

    @property
    def kafka_bootstrap(self) -> str:
        return self.settings.kafka_bootstrap

    @property
    def connect_url(self) -> str:
        return self.settings.connect_url

    @property
    def elasticsearch_url(self) -> str:
        return self.settings.elasticsearch_url


def docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@contextmanager
def running_stack(settings: StackSettings) -> Iterator[RunningStack]:
    if settings.stack is StackMode.native:
        native = NativeStack(settings)
        started = native.up()
        # Tests read with tokens at once: wait until the worker applies changes (heartbeats arrive every 250 ms).
        poll_until(
            lambda: (since := seconds_since_last_checkpoint(settings)) is not None and since < 15,
            600,
            "the pipeline worker to apply changes",
        )
        try:
            yield RunningStack(settings, settings.postgres_dsn(postgres_password(settings)), tuple(started))
        finally:
            if started:
                native.down(only=started)
    elif settings.stack is StackMode.docker:
        with _compose_stack(settings) as stack:
            yield stack
    else:
        report = collect_status(settings)
        if not all_healthy(report):
            raise RuntimeError(f"READSIDE_STACK=external but the stack is not healthy: {report}")
        yield RunningStack(settings, settings.postgres_dsn(postgres_password(settings)), ())


@contextmanager
def _compose_stack(settings: StackSettings) -> Iterator[RunningStack]:
    if not docker_answers():
        raise RuntimeError("READSIDE_STACK=docker but no Docker engine answers `docker info`")
    from testcontainers.compose import DockerCompose

    password = os.environ.setdefault("READSIDE_POSTGRES_PASSWORD", "readside-test-only-password")
    os.environ.setdefault("POSTGRES_PASSWORD", "readside-test-superuser-password")
    # The servers only: the tests run their own pipeline workers and services (the compose file's
    # `pipeline` service would join their consumer group).
    servers = ["postgres", "kafka", "connect", "elasticsearch", "register-connectors"]
    with DockerCompose(str(PROJECT_ROOT), compose_file_name="docker-compose.yml", wait=True, services=servers):
        external = settings.model_copy(update={"stack": StackMode.external, "postgres_password": password})
        yield RunningStack(external, external.postgres_dsn(password), ("compose",))


def native_with(stack: RunningStack, enough: bool, needs: str) -> RunningStack:
    """`stack`, if it is a native one and `enough` holds (more nodes, more workers); else skip with `needs`."""
    import pytest

    if stack.settings.stack is not StackMode.native or not enough:
        pytest.skip(f"needs the native stack with {needs}")
    return stack
