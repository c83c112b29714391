"""docker-compose.yml, part 2: health checks and start order, loopback-only ports, secrets, the registrar.

No Docker needed: these tests only read files.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

from infra.settings import StackSettings
from tests.unit.compose.support import (
    COMPOSE_FILE,
    COMPOSE_HELPERS,
    PROVIDER_REF,
    PUBLISHED,
    REGISTRAR,
    REQUIRED_REF,
    ROOT,
    SECRET_KEY,
    VARIABLE,
    bind_source,
    command_tokens,
    environment,
    healthcheck_command,
    mounts,
)

# ------------------------------------------------------------------------- health and ordering


def test_every_long_running_service_has_a_healthcheck(services):
    for name, service in services.items():
        if name == REGISTRAR:
            continue
        check = service.get("healthcheck")
        assert check and not check.get("disable"), f"{name} has no healthcheck"
        test = check.get("test")
        assert test and test != ["NONE"], f"{name}: empty healthcheck"
        if isinstance(test, list):
            assert test[0] in ("CMD", "CMD-SHELL"), f"{name}: healthcheck test should start with CMD or CMD-SHELL"


def test_healthchecks_probe_the_right_thing(services):
    assert "pg_isready" in healthcheck_command(services["postgres"])
    kafka = healthcheck_command(services["kafka"])
    assert re.search(
        r"/opt/kafka/bin/kafka-(broker-api-versions|topics)\.sh .*--bootstrap-server localhost:\d+", kafka
    ), kafka
    assert "localhost:8083/connectors" in healthcheck_command(services["connect"])
    assert "localhost:9200/_cluster/health" in healthcheck_command(services["elasticsearch"])


def test_dependencies_wait_for_healthy(services):
    for name, service in services.items():
        depends = service.get("depends_on")
        if depends is None:
            continue
        assert isinstance(depends, dict), f"{name}: the list form of depends_on only waits for 'started'"
        for dependency, spec in depends.items():
            assert dependency in services, f"{name} depends on unknown service {dependency}"
            assert (spec or {}).get("condition") == "service_healthy", (
                f"{name} -> {dependency}: condition must be service_healthy"
            )
            assert services[dependency].get("healthcheck"), f"{dependency} cannot become healthy: no healthcheck"
    assert {"kafka", "postgres"} <= set(services["connect"].get("depends_on") or {})
    assert {"connect", "postgres"} <= set(services[REGISTRAR].get("depends_on") or {})


# ------------------------------------------------------------------------------ network exposure


def test_every_published_port_is_loopback_only(services):
    for name, service in services.items():
        if service.get("network_mode") == "host":
            # Only the monitoring profile shares the host's network (to reach services on its 127.0.0.1), and
            # it listens on 127.0.0.1 itself: test_compose_monitoring.py checks its listen addresses.
            assert service.get("profiles") == ["monitoring"], f"{name}: host networking bypasses the 127.0.0.1 binding"
            continue
        for port in service.get("ports") or []:
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", f"{name}: {port} is not bound to 127.0.0.1"
            else:
                assert str(port).startswith("127.0.0.1:"), f"{name}: port {port!r} is not bound to 127.0.0.1"


def test_host_ports_default_to_the_native_stacks(services):
    for name, (field, container_port) in PUBLISHED.items():
        default = StackSettings.model_fields[field].default
        expected = f"127.0.0.1:${{READSIDE_{field.upper()}:-{default}}}:{container_port}"
        assert services[name].get("ports") == [expected], f"{name}: expected ports [{expected!r}]"


# -------------------------------------------------------------------------------------- secrets


def literal_secrets(source: str) -> list[str]:
    """`…password…=value` / `…token…: value` with a literal value, once ${…} references are taken out."""
    hits = []
    for match in re.finditer(r"(?i)\w*(?:password|secret|token)\w*[ \t]*[=:][ \t]*(\S+)", VARIABLE.sub("", source)):
        value = match.group(1).strip("'\"")
        if value not in ("", "…") and not value.startswith("$"):
            hits.append(match.group(0))
    return hits


def test_no_plaintext_secrets(services, text):
    for name, service in services.items():
        for key, value in environment(service).items():
            if SECRET_KEY.search(key):
                assert REQUIRED_REF.match(str(value)) or PROVIDER_REF.match(str(value)), (
                    f"{name}: {key} must come from ${{VAR:?message}} (or a Connect ${{env:…}}), not {value!r}"
                )
    for match in VARIABLE.finditer(text):
        if SECRET_KEY.search(match.group(1)):
            assert match.group(2) in (":?", "?"), f"{match.group(0)}: a secret must be required, never defaulted"
    # nor written into a command line, a healthcheck or a helper script
    for path in [COMPOSE_FILE, *sorted(COMPOSE_HELPERS.glob("*"))]:
        assert not literal_secrets(path.read_text()), (
            f"plaintext secret in {path.name}: {literal_secrets(path.read_text())}"
        )
    assert literal_secrets("POSTGRES_PASSWORD: hunter2") and literal_secrets("-e API_TOKEN=abc")  # the check bites


# ------------------------------------------------------------------------------------ registrar


def test_registrar_applies_the_connectors_folder_with_the_project_registrar(services):
    registrar = services[REGISTRAR]
    workdir = registrar.get("working_dir", "")
    assert workdir, "the registrar needs a working dir holding the repository's infra/"
    by_source = {bind_source(source): (target, read_only) for source, target, read_only in mounts(registrar)}
    assert by_source.get((ROOT / "connectors").resolve()) == (f"{workdir}/connectors", True), (
        "mount ./connectors read-only where infra.settings.CONNECTORS_DIR points"
    )
    assert by_source.get((ROOT / "infra").resolve()) == (f"{workdir}/infra", True) or by_source.get(ROOT.resolve()) == (
        workdir,
        True,
    ), "the registrar code is not mounted"

    argv = command_tokens(registrar.get("entrypoint")) + command_tokens(registrar.get("command"))
    scripts = [Path(token) for token in argv if token.startswith(f"{workdir}/infra/compose/")]
    steps = " ".join(argv) + "".join((ROOT / s.relative_to(workdir)).read_text() for s in scripts)
    assert "python -m infra.cli.main connectors apply" in steps
    assert f"--dir {workdir}/connectors" in steps

    env = environment(registrar)
    assert env.get("READSIDE_STACK") == "external", "the registrar must not try to start a native stack"
    assert env.get("READSIDE_HOST") == "connect" and "connect" in services
    connect_port = str(services["connect"]["ports"][0]).rsplit(":", 1)[1]
    assert env.get("READSIDE_CONNECT_PORT") == connect_port, "talk to Connect's port inside the network"
    assert registrar.get("restart", "no") == "no", "a one-shot must not be restarted"


def _load_requirements_helper():
    spec = importlib.util.spec_from_file_location(
        "registrar_requirements", COMPOSE_HELPERS / "registrar_requirements.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_registrar_installs_pinned_versions_from_pyproject():
    helper = _load_requirements_helper()
    lines = helper.requirements(ROOT / "pyproject.toml")
    assert lines and all("==" in line for line in lines)
    assert any(line.startswith("psycopg[binary]==") for line in lines)


def _module_level_imports(path: Path) -> set[str]:
    """Modules a file imports when it is loaded (imports inside functions are lazy and left out)."""
    names: set[str] = set()
    pending = list(ast.parse(path.read_text()).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, (ast.If, ast.Try)):
            pending += node.body + node.orelse + getattr(node, "finalbody", [])
            pending += [n for handler in getattr(node, "handlers", []) for n in handler.body]
    return names


def test_registrar_packages_cover_what_the_cli_imports():
    helper = _load_requirements_helper()
    third_party: set[str] = set()
    seen: set[str] = set()
    queue = ["infra.cli.main"]
    while queue:
        module = queue.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        candidates = [ROOT.joinpath(*parts).with_suffix(".py"), ROOT.joinpath(*parts, "__init__.py")]
        path = next((c for c in candidates if c.exists()), None)
        if path is None:
            continue  # e.g. `from infra.x import name` where name is not a module
        for name in _module_level_imports(path):
            top = name.split(".")[0]
            if top == "infra":
                queue.append(name)
            elif top not in sys.stdlib_module_names and top != "__future__":
                third_party.add(top)
    assert "infra.registrar" in seen, "the import walk did not reach the registrar"
    missing = sorted(third_party - helper.REGISTRAR_PACKAGES.keys())
    assert not missing, f"infra.cli.main imports {missing} at load time; add them to REGISTRAR_PACKAGES"
