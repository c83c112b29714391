"""The test session's stack keeps apart from the user's: its own data folder and ports, shared downloads."""

from __future__ import annotations

from infra.settings import StackSettings
from tests.support.isolation import TEST_PORTS, isolated_environment


def test_a_native_session_gets_its_own_data_folder_and_ports_and_shares_the_downloads():
    added = isolated_environment({})
    assert added["READSIDE_DATA_DIR"].endswith(".readside-test")
    assert added["READSIDE_DIST_DIR"].endswith(".readside/dist")
    defaults = StackSettings()
    default_ports = {getattr(defaults, f"{name.lower()}_port") for name in TEST_PORTS}
    assert default_ports.isdisjoint(int(added[f"READSIDE_{name}_PORT"]) for name in TEST_PORTS)


def test_a_chosen_data_folder_or_another_stack_is_left_alone():
    assert isolated_environment({"READSIDE_DATA_DIR": "/srv/mine"}) == {}
    assert isolated_environment({"READSIDE_STACK": "external"}) == {}
    assert "READSIDE_POSTGRES_PORT" not in isolated_environment({"READSIDE_POSTGRES_PORT": "5432"})


def test_a_cluster_session_keeps_its_own_data_folder():
    added = isolated_environment({"READSIDE_ES_NODES": "2"})
    assert added["READSIDE_DATA_DIR"].endswith(".readside-test-es2")


def test_another_search_engine_keeps_its_own_data_folder():
    added = isolated_environment({"READSIDE_SEARCH_ENGINE": "opensearch"})
    assert added["READSIDE_DATA_DIR"].endswith(".readside-test-opensearch")
