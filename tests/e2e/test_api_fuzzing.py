"""Schemathesis against both APIs' OpenAPI documents, every phase (examples, coverage, fuzzing, stateful), a
bounded number of examples: no answer of 500 or more, and no failed check, except the rejections that no
schema can express, each checked by its reason:
- a consistency token or a cursor the server never issued (both are opaque values it signs or counts);
- `from` after `to` in the statistics (each date is valid on its own);
- an Idempotency-Key sent again with a different request (422, as the IETF idempotency-key draft asks).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from infra.secrets import write_token

pytestmark = pytest.mark.e2e

EXAMPLES = "25"
INEXPRESSIBLE = re.compile(
    "|".join(
        [
            r"this database never issued it",
            r"^cursor (is malformed|is damaged|belongs to a different search|is from another version)",
            r"must not be after to",
            r"Idempotency-Key was already used for a different request",
        ]
    )
)


def fuzz(url: str, report: Path, *headers: str) -> tuple[dict, list[tuple[str, int, str]]]:
    """Run schemathesis; (its summary with the answers by status class, every failed check as (code, status,
    detail))."""
    schemathesis = Path(sys.executable).parent / "schemathesis"
    extra = [arg for header in headers for arg in ("-H", header)]
    run = subprocess.run(
        [
            str(schemathesis),
            "run",
            f"{url}/openapi.json",
            "--checks",
            "all",
            "-n",
            EXAMPLES,
            "--seed",
            "20261203",
            "--no-color",
            "--report",
            "ndjson,json",
            "--report-ndjson-path",
            str(report / "events.ndjson"),
            "--report-json-path",
            str(report / "summary.json"),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=report,
    )  # its cache stays there
    summary = json.loads((report / "summary.json").read_text())
    assert summary["complete"] and not summary["errors"], run.stdout[-3000:]
    failed, classes = [], Counter()
    for line in (report / "events.ndjson").read_text().splitlines():
        scenario = json.loads(line).get("ScenarioFinished")
        for interaction in (scenario or {}).get("recorder", {}).get("interactions", {}).values():
            response = interaction.get("response")
            classes[f"{response['status_code'] // 100}xx" if response else "no answer"] += 1
        for case, checks in (scenario or {}).get("recorder", {}).get("checks", {}).items():
            for check in checks:
                if check["status"] != "failure":
                    continue
                response = scenario["recorder"]["interactions"][case]["response"]
                body = base64.b64decode(response["content"]["$base64"]) if response else b""
                try:
                    detail = json.loads(body).get("detail", "")
                except (ValueError, AttributeError):
                    detail = body.decode(errors="replace")
                failed.append(
                    (check["failure_info"]["failure"]["code"], response and response["status_code"], str(detail))
                )
    summary["answers"] = dict(sorted(classes.items()))
    return summary, failed


def unexplained(failed: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    return [f for f in failed if not (f[0] == "ST202" and f[1] in (400, 422) and INEXPRESSIBLE.search(f[2]))]


def test_the_query_api_survives_fuzzing(stack, tmp_path):
    summary, failed = fuzz(f"http://{stack.settings.host}:{stack.settings.query_api_port}", tmp_path)
    print(
        f"query API: {summary['test_cases']['generated']} cases, answers {summary['answers']}, "
        f"failed checks {Counter(f[0] for f in failed)}"
    )
    assert summary["test_cases"]["generated"] > 200
    assert not [c for c in summary["answers"] if c.startswith("5")], summary["answers"]
    assert unexplained(failed) == []


def test_the_write_api_survives_fuzzing(stack, tmp_path):
    summary, failed = fuzz(
        f"http://{stack.settings.host}:{stack.settings.write_api_port}",
        tmp_path,
        f"Authorization: Bearer {write_token(stack.settings)}",
    )
    print(
        f"write API: {summary['test_cases']['generated']} cases, answers {summary['answers']}, "
        f"failed checks {Counter(f[0] for f in failed)}"
    )
    assert summary["test_cases"]["generated"] > 200
    assert not [c for c in summary["answers"] if c.startswith("5")], summary["answers"]
    assert unexplained(failed) == []
