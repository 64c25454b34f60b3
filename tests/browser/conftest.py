"""Browser tests: Debian's Chromium, driven by Playwright, against a local cloud.

Playwright's own browser download cannot work on these machines, so the tests launch the
system's ``chromium`` (``make test`` installs it with apt-get when it is missing and it runs as
root). Without it the tests skip, except under CI (``CI=true``), where they fail: a CI run must
not go green without its browser tests.

The local cloud is the one the end-to-end tests use (tests/local_cloud.py): one per run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

CHROMIUM = "chromium"
# As root Chromium needs --no-sandbox; the rest keep it off the (closed) network and quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The first call to each local Lambda function starts its worker process.
TIMEOUT_MS = 15_000


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def chromium_executable() -> str:
    path = shutil.which(CHROMIUM)
    if path is None:
        reason = (
            "Debian's chromium is not installed: run `make test` as root, or "
            "`apt-get update && apt-get install chromium`"
        )
        if in_ci():
            pytest.fail(f"{reason} (CI=true: browser tests may not be skipped)", pytrace=False)
        pytest.skip(reason)
    return path


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip (or fail, under CI) before any fixture starts the local cloud."""
    chromium_executable()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_ARGS, headless=True
        )
        expect.set_options(timeout=TIMEOUT_MS)
        yield launched
        launched.close()


@dataclass
class PageProblems:
    """What a page reported that a user would never see: console errors, uncaught exceptions
    and Content-Security-Policy violations."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[dict[str, str]] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            self.console_errors.append(f"{message.text} [{location.get('url', '')}]")

    def on_csp_violation(self, violation: dict[str, str]) -> None:
        self.csp_violations.append(violation)


# Injected through the DevTools protocol, so the page's own CSP does not block it.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    sample: event.sample,
  });
}, true);
"""


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Browser, problems: PageProblems, tmp_path: Path) -> Iterator[Page]:
    """A fresh browser context (empty localStorage) whose problems land in ``problems``."""
    context = browser.new_context(locale="en-US", timezone_id="UTC")
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    opened.on("console", problems.on_console)
    opened.on("pageerror", lambda error: problems.page_errors.append(str(error)))
    opened.expose_function("__reportCspViolation", problems.on_csp_violation)
    opened.add_init_script(CSP_WATCH)
    yield opened
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """When a test with a page fails, screenshot the page (into the test's tmp_path) while it
    is still open, and show where it is and what the page reported, with the failure."""
    report = yield
    fixtures: dict[str, object] = getattr(item, "funcargs", {})
    opened, tmp_path = fixtures.get("page"), fixtures.get("tmp_path")
    if report.when == "call" and report.failed and isinstance(opened, Page):
        assert isinstance(tmp_path, Path)
        screenshot = tmp_path / "failure.png"
        try:
            opened.screenshot(path=screenshot, full_page=True)
            saved = f"screenshot: {screenshot}"
        except Exception as error:  # the page may be what broke
            saved = f"no screenshot ({error})"
        report.sections.append(("browser", f"{saved}\n{fixtures.get('problems')}"))
    return report
