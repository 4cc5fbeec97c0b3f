"""Browser tests of the web console: the whole suite as real processes (`scripts/run_suite.py`) on
free ports and a fresh vhost, with a bootstrap admin and the press cast signed in, and Debian's
chromium driven by Playwright (`make test-console`, which runs pytest without eventlet).

Under `make test-nameko` (eventlet's monkey patch applied) these tests are not collected:
Playwright's driver cannot run on patched sockets and threads.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from presscenter.gateway.testing.accounts import ADMIN, PASSWORD, PRESS_CAST, SignedIn, sign_in
from presscenter.shared.testing.suite_process import SuiteProcess, suite_process
from presscenter.shared.testing.vhosts import amqp_url, fresh_vhost

ROOT = Path(__file__).resolve().parents[2]
# `make console-screenshots` refreshes docs/console; plain test runs keep theirs out of the tree.
SCREENSHOTS = Path(os.environ.get("CONSOLE_SCREENSHOTS") or ROOT / ".run" / "console-screenshots")


def _eventlet_patched() -> bool:
    eventlet = sys.modules.get("eventlet")
    return eventlet is not None and bool(eventlet.patcher.is_monkey_patched("socket"))


collect_ignore_glob = ["test_*.py"] if _eventlet_patched() else []
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT = 150.0


@dataclass
class Suite:
    """The running platform (the launcher's process) and the signed-in cast."""

    launched: SuiteProcess
    cast: dict[str, SignedIn] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.launched.gateway_url

    @property
    def amqp_uri(self) -> str:
        return self.launched.amqp_uri

    def http(self, role: str | None = None) -> httpx.Client:
        headers = self.cast[role].headers if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def api(self, role: str, method: str, path: str, **kwargs: Any) -> Any:
        with self.http(role) as client:
            response = client.request(method, path, **kwargs)
        assert response.status_code < 400, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


@contextmanager
def running_suite(tmp_dir: Path) -> Iterator[Suite]:
    """make run's launcher on free ports; yields once every service is ready and the cast signed in."""
    environment = {
        "GATEWAY_ADMIN_USERNAME": ADMIN[0],
        "GATEWAY_ADMIN_PASSWORD": ADMIN[1],
        "LOG_LEVEL": "WARNING",
        # keep the suite's output (shown when it does not come up) to what matters
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    with (
        fresh_vhost("console-test") as vhost,
        suite_process(ROOT, amqp_url(vhost), tmp_dir / "run", environment, timeout=STARTUP_TIMEOUT) as launched,
        httpx.Client(base_url=launched.gateway_url, timeout=30) as http,
    ):
        yield Suite(launched, sign_in(http, ADMIN, PRESS_CAST))


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium under Playwright (never `playwright install`: the browser is the system's)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def username(role: str) -> str:
    return str(PRESS_CAST[role]["username"])


def signed_in_page(browser: Any, suite: Suite, role: str, *, mobile: bool = False, lang: str = "vi") -> Any:
    """A fresh browser context at /console/, logged in through the login form as `role`."""
    viewport = {"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    if lang != "vi":
        context.add_init_script(f"localStorage.setItem('pc.lang', '{lang}')")
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))  # type: ignore[attr-defined]
    page.on(  # the console must live within its own Content-Security-Policy
        "console",
        lambda message: (
            page.errors.append(message.text)  # type: ignore[attr-defined]
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto(f"{suite.url}/console/")
    page.get_by_label("Tên đăng nhập" if lang == "vi" else "Username").fill(username(role))
    page.get_by_label("Mật khẩu" if lang == "vi" else "Password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập" if lang == "vi" else "Sign in").click()
    page.wait_for_selector("#nav a")
    return page


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with running_suite(tmp_path_factory.mktemp("console-suite")) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


@pytest.fixture
def pages(browser: Any, suite: Suite) -> Iterator[Any]:
    """`pages("journalist")` opens a signed-in page; every page's context is closed after the test,
    and a page that threw an uncaught script error or broke the Content-Security-Policy fails it."""
    opened: list[Any] = []

    def open_page(role: str, **options: Any) -> Any:
        page = signed_in_page(browser, suite, role, **options)
        opened.append(page)
        return page

    yield open_page
    errors = [error for page in opened for error in page.errors]
    for page in opened:
        page.context.close()
    assert not errors, f"script errors in the console: {errors}"


@pytest.fixture
def screenshot() -> Any:
    """`screenshot(page, "name")` saves <SCREENSHOTS>/<name>.png, the full page as the test left it."""

    def save(page: Any, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return save
