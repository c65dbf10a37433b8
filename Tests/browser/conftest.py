"""Fixtures of the console's browser tests. scripts/test-browser starts the two nodes, creates the
tokens and sets the KJOB_BROWSER_* variables these read; run the tests through it.

Every test gets a fresh browser context (no cookies, no storage) whose console errors and
uncaught page errors fail the test. A test that provokes an HTTP error page on purpose declares it
with `console.allow_status(STATUS, PATH_PART)`: Chromium logs "Failed to load resource" for it.
"""
from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from kjob_console import Console, Node

# Every wait is bounded: Playwright's own actions and every `expect`.
ACTION_TIMEOUT_MS = 15_000
expect.set_options(timeout=10_000)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWER_ZONE = "Asia/Tokyo"  # the browser's zone: the preview's viewer column must use it


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run the browser tests through scripts/test-browser, which starts the nodes", returncode=2)
    return value


@pytest.fixture(scope="session")
def kjob() -> Console:
    nodes = [Node(_env(f"KJOB_BROWSER_NODE{i}_ID"), _env(f"KJOB_BROWSER_NODE{i}_URL"), i) for i in (1, 2)]
    tokens = {role: _env(f"KJOB_BROWSER_{role.upper()}_TOKEN") for role in ("admin", "operator", "viewer")}
    console = Console(nodes=nodes, tokens=tokens, bin_dir=_env("KJOB_BROWSER_BIN"), pair=_env("KJOB_BROWSER_PAIR"),
                      screenshots=_env("KJOB_SCREENSHOTS_DIR"))
    console.wait_for_pair()
    return console


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("KJOB_BROWSER_CHROMIUM", "/usr/bin/chromium"),
            slow_mo=float(os.environ.get("KJOB_BROWSER_SLOWMO", "0")))
        yield chromium
        chromium.close()


class ConsoleWatch:
    """Console errors and uncaught exceptions of every page in one browser context."""

    FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed: list[tuple[int, str]] = []

    def allow_status(self, status: int, path_part: str) -> None:
        """An HTTP error the test provokes on purpose (a refused POST, a bad login)."""
        self.allowed.append((status, path_part))

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        failed = self.FAILED_LOAD.search(message.text)
        if failed and any(int(failed.group(1)) == status and part in url for status, part in self.allowed):
            return
        self.errors.append(f"console error: {message.text} (at {url})")

    def on_page_error(self, error) -> None:
        self.errors.append(f"uncaught page error: {error.error}")

    def check(self) -> None:
        if self.errors:
            raise AssertionError("the page logged errors:\n  " + "\n  ".join(self.errors))


@pytest.fixture
def console(request) -> ConsoleWatch:
    watch = ConsoleWatch()
    request.node.console_watch = watch
    return watch


def new_context(browser, console: ConsoleWatch, viewport=DESKTOP) -> BrowserContext:
    context = browser.new_context(viewport=viewport, timezone_id=VIEWER_ZONE, locale="en-US")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.on("console", console.on_console)
    context.on("weberror", console.on_page_error)
    context.on("dialog", lambda dialog: dialog.accept())  # data-confirm prompts (delete): say yes
    return context


@pytest.fixture
def context(browser, console):
    context = new_context(browser, console)
    yield context
    context.close()


@pytest.fixture
def page(context) -> Page:
    return context.new_page()


@pytest.fixture
def contexts(browser, console):
    """More fresh contexts in one test (two users side by side); all are watched and closed."""
    made: list[BrowserContext] = []

    def make(viewport=DESKTOP) -> BrowserContext:
        made.append(new_context(browser, console, viewport))
        return made[-1]

    yield make
    for context in made:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    watch = getattr(item, "console_watch", None)
    if watch is not None:
        watch.check()
    return result


def pytest_configure(config):
    config.addinivalue_line("markers", "disruptive: kills a node; runs after every other test")


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.get_closest_marker("disruptive") is not None)
