"""Fetch Kafka + Connect, the Debezium plugin and the search engine from Maven Central into the dist folder."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from infra.native.engines import ENGINES, Engine
from infra.native.process import StackError
from infra.settings import PROJECT_ROOT, StackSettings

MAVEN_DIR = PROJECT_ROOT / "infra" / "maven"


@dataclass(frozen=True)
class Dist:
    """Where each fetched distribution lives once it is complete."""

    root: Path
    versions: dict[str, str]
    engine: Engine

    @property
    def kafka_libs(self) -> Path:
        return self.root / f"kafka-{self.versions['KAFKA_VERSION']}" / "libs"

    @property
    def connect_plugins(self) -> Path:
        return self.root / f"connect-plugins-debezium-{self.versions['DEBEZIUM_VERSION']}"

    @property
    def debezium_plugin(self) -> Path:
        return self.connect_plugins / "debezium-connector-postgres"

    @property
    def search_version(self) -> str:
        return self.versions[self.engine.version_key]

    @property
    def search_home(self) -> Path:
        return self.root / f"{self.engine.name}-{self.search_version}"

    def parts(self) -> dict[str, Path]:
        return {"kafka": self.kafka_libs, "debezium": self.debezium_plugin, self.engine.name: self.search_home}

    def missing(self) -> list[str]:
        return [name for name, path in self.parts().items() if not _complete(path)]


def dist_for(settings: StackSettings) -> Dist:
    return Dist(settings.dist, settings.versions, ENGINES[settings.search_engine])


def _complete(path: Path) -> bool:
    return (path.parent / f".{path.name}.complete").exists() and path.exists()


def _mark_complete(path: Path) -> None:
    (path.parent / f".{path.name}.complete").touch()


def _mvn(args: list[str]) -> None:
    if shutil.which("mvn") is None:
        raise StackError("Maven (mvn) is not installed: run `make deps` (apt-get install maven) first")
    result = subprocess.run(["mvn", "-B", "-q", "--no-transfer-progress", *args], capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise StackError(f"Maven could not fetch {args[-1]}:\n{tail}")


def _into_place(build: Path, final: Path) -> None:
    """Move a finished download into place atomically, so a crash never leaves a half dist that looks done."""
    if final.exists():
        shutil.rmtree(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    build.rename(final)
    _mark_complete(final)


def fetch_kafka(dist: Dist) -> None:
    v = dist.versions
    with tempfile.TemporaryDirectory(dir=_staging(dist)) as tmp:
        out = Path(tmp) / "libs"
        _mvn(
            [
                "-f",
                str(MAVEN_DIR / "kafka-pom.xml"),
                f"-Dkafka.version={v['KAFKA_VERSION']}",
                f"-Dlog4j.version={v['LOG4J_VERSION']}",
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={out}",
            ]
        )
        _into_place(out, dist.kafka_libs)


def fetch_debezium(dist: Dist) -> None:
    # Connect already has the org.apache.kafka jars; a second copy in the plugin breaks class loading.
    with tempfile.TemporaryDirectory(dir=_staging(dist)) as tmp:
        out = Path(tmp) / "debezium-connector-postgres"
        _mvn(
            [
                "-f",
                str(MAVEN_DIR / "debezium-pom.xml"),
                f"-Ddebezium.version={dist.versions['DEBEZIUM_VERSION']}",
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                "-DexcludeGroupIds=org.apache.kafka",
                f"-DoutputDirectory={out}",
            ]
        )
        _into_place(out, dist.debezium_plugin)


def fetch_search_engine(dist: Dist) -> None:
    coords = f"{dist.versions[dist.engine.artifact_key]}:{dist.search_version}:zip"
    with tempfile.TemporaryDirectory(dir=_staging(dist)) as tmp:
        _mvn(["dependency:copy", f"-Dartifact={coords}", f"-DoutputDirectory={tmp}"])
        archive = next(Path(tmp).glob("*.zip"))
        unpacked = Path(tmp) / "unpacked"
        _unzip_keeping_modes(archive, unpacked)
        (home,) = list(unpacked.iterdir())  # the zip holds one top folder, <engine>-<version>
        _into_place(home, dist.search_home)


def _unzip_keeping_modes(archive: Path, target: Path) -> None:
    """zipfile drops the execute bits that bin/elasticsearch needs; restore them from the archive."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, target))
            mode = info.external_attr >> 16
            if mode:
                path.chmod(mode & 0o777)


def _staging(dist: Dist) -> Path:
    staging = dist.root / ".staging"
    staging.mkdir(parents=True, exist_ok=True)
    return staging


FETCHERS = {
    "kafka": fetch_kafka,
    "debezium": fetch_debezium,
    "elasticsearch": fetch_search_engine,
    "opensearch": fetch_search_engine,
}
