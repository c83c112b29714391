"""The console's status page in a real browser (Debian's chromium driven by Playwright) on the running stack."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import httpx
import pytest

from infra.polling import poll_until
from infra.registrar import load_connector_files

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def console(stack, browser):
    """The page, opened and watched for console errors and uncaught exceptions."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"http://{stack.settings.host}:{stack.settings.console_port}/")
    page.errors = errors
    yield page
    page.close()


def cells(page, table: str) -> dict[str, list[str]]:
    rows = page.locator(f"#{table} tbody tr").all_inner_texts()
    return {row.split("\t")[0]: row.split("\t")[1:] for row in rows}


def test_the_page_shows_every_component_healthy_without_errors(console):
    console.locator("#banner", has_text="all healthy").wait_for(timeout=30_000)
    components = cells(console, "components")
    assert {"postgres", "kafka", "connect", "elasticsearch", "write-api", "query-api", "pipeline", "console"} <= set(
        components
    )
    assert all(values[0] == "healthy" for values in components.values()), components
    assert "RUNNING" in console.locator(".connector").first.inner_text()
    assert "ok" in console.locator(".slot").first.inner_text()
    assert console.errors == []


def test_a_stopped_connector_shows_as_failed_within_seconds(stack, console):
    name = load_connector_files(stack.settings.connectors_dir)[0].name
    connect = httpx.Client(base_url=stack.settings.connect_url, timeout=10)
    console.locator("#banner", has_text="all healthy").wait_for(timeout=30_000)
    connect.put(f"/connectors/{name}/pause").raise_for_status()
    try:
        entry = console.locator(f".connector[data-name='{name}']")
        entry.locator(".badge.bad", has_text="PAUSED").wait_for(timeout=20_000)
        console.locator("#banner", has_text="needs attention").wait_for(timeout=5_000)
    finally:
        connect.put(f"/connectors/{name}/resume").raise_for_status()
        poll_until(
            lambda: connect.get(f"/connectors/{name}/status").json()["tasks"][0]["state"] == "RUNNING",
            60,
            f"{name} to run again",
        )
    console.locator("#banner", has_text="all healthy").wait_for(timeout=30_000)
    assert console.errors == []


def test_its_figures_change_while_a_load_runs(shop, console):
    console.locator("#banner", has_text="all healthy").wait_for(timeout=30_000)
    pid = shop.add_product(name="Console lamp")["id"]
    stop = threading.Event()

    def renames() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            shop.command("PATCH", f"/products/{pid}", {"name": f"Console lamp {n}"})

    load = threading.Thread(target=renames, daemon=True)
    load.start()
    try:

        def products_moving() -> bool:
            row = cells(console, "models").get("products")
            return bool(row) and float(row[2]) > 0 and float(row[3]) > 0 and row[1] != "–"

        poll_until(products_moving, 30, "the page to show products changes in and out")
    finally:
        stop.set()
        load.join(10)
    assert console.locator("#plot-throughput polyline").count() == 2
    assert console.errors == []


def test_the_restart_action_names_what_is_wrong_with_a_request(stack):
    base = f"http://{stack.settings.host}:{stack.settings.console_port}"
    missing = httpx.post(f"{base}/api/connectors/no-such-connector/restart", timeout=10)
    assert missing.status_code == 404 and "no-such-connector" in missing.json()["detail"]
    assert httpx.post(f"{base}/api/connectors/bad%20name/restart", timeout=10).status_code == 400
    name = load_connector_files(stack.settings.connectors_dir)[0].name
    assert httpx.post(f"{base}/api/connectors/{name}/restart", timeout=10).json() == {
        "connector": name,
        "restart": "requested",
    }
    connect = httpx.Client(base_url=stack.settings.connect_url, timeout=10)
    poll_until(
        lambda: connect.get(f"/connectors/{name}/status").json()["tasks"][0]["state"] == "RUNNING",
        60,
        f"{name} to run again",
    )
