"""No secret on any command line, and each running process holds only the secrets it uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.native.apps import APPS, SECRETS_OF
from infra.native.process import SECRET_VARIABLES
from infra.native.search_nodes import ES_NODES
from infra.native.stack import NativeStack
from infra.secrets import control_token, postgres_password, write_token
from infra.settings import StackMode
from tests.support.pipeline import server_pid

pytestmark = pytest.mark.e2e

SERVER_SECRETS = {
    "postgres": set(),
    "kafka": set(),
    **{node.name: set() for node in ES_NODES},
    "connect": {"READSIDE_PG_PASSWORD"},
}


def _read(pid: int, what: str) -> list[str]:
    return [part.decode(errors="replace") for part in Path(f"/proc/{pid}/{what}").read_bytes().split(b"\0") if part]


def _tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *(p for child in children for p in _tree(int(child)))]


def test_each_process_holds_only_its_secrets_and_none_shows_one_in_ps(stack):
    if stack.settings.stack is not StackMode.native:
        pytest.skip("looks at the native stack's processes")
    values = {postgres_password(stack.settings), write_token(stack.settings), control_token(stack.settings)}
    expected = {**SERVER_SECRETS, **{app.name: set(SECRETS_OF[app.role]) for app in APPS}}
    for unit in NativeStack(stack.settings).units:  # the units this stack runs (not every possible node)
        pid = server_pid(stack, unit.name)
        held = {line.split("=", 1)[0] for line in _read(pid, "environ")} & SECRET_VARIABLES
        assert held <= expected[unit.name], (unit.name, held)
        for each in _tree(pid):
            shown = " ".join(_read(each, "cmdline"))
            assert not [v for v in values if v in shown], (unit.name, each, "a secret on the command line")
