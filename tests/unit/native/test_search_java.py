"""The search engine's JDK: the stack's own when new enough, else the newest in the JVM folder, else a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.native import java
from infra.native.process import StackError


def _jdk(root: Path, name: str, major: int) -> Path:
    """A folder whose bin/java prints the version line a JDK of that major prints."""
    home = root / name
    (home / "bin").mkdir(parents=True)
    script = home / "bin" / "java"
    script.write_text(f"#!/bin/sh\necho 'openjdk version \"{major}.0.1\" 2025-01-01' >&2\n")
    script.chmod(0o755)
    return home


def test_the_stacks_own_jdk_serves_when_new_enough(tmp_path):
    own = _jdk(tmp_path, "17", 17)
    assert java.find_search_java_home(None, own, 17, "elasticsearch") == own


def test_the_newest_jdk_in_the_jvm_folder_serves_an_engine_that_needs_more(tmp_path, monkeypatch):
    own = _jdk(tmp_path / "jvm", "java-17", 17)
    newest = _jdk(tmp_path / "jvm", "temurin-25", 25)
    _jdk(tmp_path / "jvm", "java-21", 21)
    monkeypatch.setattr(java, "JVM_DIR", tmp_path / "jvm")
    assert java.find_search_java_home(None, own, 21, "elasticsearch9") == newest


def test_no_jdk_new_enough_is_said_plainly(tmp_path, monkeypatch):
    own = _jdk(tmp_path / "jvm", "java-17", 17)
    monkeypatch.setattr(java, "JVM_DIR", tmp_path / "jvm")
    with pytest.raises(StackError, match="elasticsearch9 needs Java 21\\+, and no such JDK was found"):
        java.find_search_java_home(None, own, 21, "elasticsearch9")


def test_a_configured_jdk_too_old_is_refused(tmp_path):
    old = _jdk(tmp_path, "17", 17)
    with pytest.raises(StackError, match="READSIDE_SEARCH_JAVA_HOME"):
        java.find_search_java_home(old, old, 21, "elasticsearch9")
