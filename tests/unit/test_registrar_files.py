"""Connector files are checked before anything is sent: syntax and shape errors name the file and place."""

from __future__ import annotations

import pytest

from infra.native.process import StackError
from infra.registrar import load_connector_file, load_connector_files


def write(tmp_path, text: str, name: str = "c.json"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_syntax_error_names_file_line_and_column(tmp_path):
    path = write(tmp_path, '{"name": "x",\n  "config": {"a": 1,,}}')
    with pytest.raises(StackError, match=r"c\.json: invalid JSON at line 2, column 21"):
        load_connector_file(path)


@pytest.mark.parametrize(
    "body, reason",
    [
        ('["not", "an", "object"]', "expected the Connect REST body"),
        ('{"config": {}}', "expected the Connect REST body"),
        ('{"name": "x", "config": {"tasks.max": 1}}', "not strings: tasks.max"),
        ('{"name": "x", "config": {"name": "y"}}', "differs from name"),
    ],
)
def test_a_wrong_shape_is_explained(tmp_path, body, reason):
    with pytest.raises(StackError, match=reason):
        load_connector_file(write(tmp_path, body))


def test_an_empty_folder_is_an_error(tmp_path):
    with pytest.raises(StackError, match="no connector files"):
        load_connector_files(tmp_path)


def test_files_load_in_name_order(tmp_path):
    write(tmp_path, '{"name": "b", "config": {}}', "b.json")
    write(tmp_path, '{"name": "a", "config": {}}', "a.json")
    assert [c.name for c in load_connector_files(tmp_path)] == ["a", "b"]
