"""How the gateway serves the console's files: index.html never cached and naming the asset version,
assets under that version cached for a year, a stale version served without the long cache,
unknown files as a 404 problem. Over real HTTP against the console router in a real uvicorn."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from presscenter.gateway.problems import install_problem_handlers
from presscenter.gateway.routes.console import IMMUTABLE, console_router, load_console
from presscenter.shared.testing.embedded_mongo import free_port


@pytest.fixture(scope="module")
def console_url() -> Iterator[str]:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(console_router())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_index_is_never_cached_and_names_the_versioned_assets(console_url: str) -> None:
    version = load_console().version
    page = httpx.get(f"{console_url}/console/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert f'src="/console/assets/{version}/js/app.js"' in page.text
    assert "%ASSET_BASE%" not in page.text
    assert '<html lang="vi">' in page.text
    again = httpx.get(f"{console_url}/console/", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304


def test_every_asset_the_page_names_is_served_with_a_year_long_cache(console_url: str) -> None:
    page = httpx.get(f"{console_url}/console/").text
    assets = re.findall(r'(?:src|href)="(/console/assets/[^"]+)"', page)
    assert len(assets) >= 4
    for path in assets:
        response = httpx.get(f"{console_url}{path}")
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == IMMUTABLE, path
    script = httpx.get(f"{console_url}/console/assets/{load_console().version}/js/app.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert 'from "./api.js"' in script.text  # relative imports stay under the same version


def test_an_old_version_is_served_without_the_long_cache_and_unknown_files_are_404(console_url: str) -> None:
    stale = httpx.get(f"{console_url}/console/assets/000000000000/console.css")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"
    missing = httpx.get(f"{console_url}/console/assets/{load_console().version}/../routes/console.py")
    assert missing.status_code == 404
    unknown = httpx.get(f"{console_url}/console/assets/{load_console().version}/nope.js")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert "nope.js" in unknown.json()["detail"]
    root = httpx.get(f"{console_url}/console", follow_redirects=False)
    assert root.status_code == 308 and root.headers["location"] == "/console/"


# -- the console's texts --------------------------------------------------------------------------

I18N_ENTRY = re.compile(r'"([a-z_.-]+)": \["((?:[^"\\]|\\.)+)", "((?:[^"\\]|\\.)+)"\]')


def console_texts() -> dict[str, tuple[str, str]]:
    files = load_console().files
    source = files["js/i18n.js"].body.decode()
    return {key: (vi, en) for key, vi, en in I18N_ENTRY.findall(source)}


def test_every_text_the_console_names_has_vietnamese_and_english() -> None:
    texts = console_texts()
    assert len(texts) > 200
    used: set[str] = set()
    for name, file in load_console().files.items():
        if name.endswith(".js"):
            used |= set(re.findall(r'\bt\("([a-z_.-]+)"', file.body.decode()))
    assert used - texts.keys() == set()
    assert all(vi and en for vi, en in texts.values())


def test_every_status_and_action_of_the_contracts_has_a_label() -> None:
    """Labels built from contract values (`status.${code}` ...) cover every value the services send."""
    from typing import get_args

    from presscenter.shared.events.feedback import QuestionStatus
    from presscenter.shared.events.releases import ReleaseStatus, WithdrawalReason
    from presscenter.shared.rpc import feedback, media, releases

    texts = console_texts()
    statuses = (*get_args(ReleaseStatus), *get_args(QuestionStatus), *get_args(feedback.Stage))
    expected = {
        *(f"status.{code}" for code in statuses),
        *(f"action.{code}" for code in get_args(releases.Action)),
        *(f"qaction.{code}" for code in get_args(feedback.Action)),
        *(f"withdrawal.{code}" for code in get_args(WithdrawalReason)),
        *(f"leg.{code}" for code in get_args(feedback.LegVia)),
        *(f"leg.outcome.{code}" for code in get_args(feedback.LegOutcome)),
        *(f"media.status.{code}" for code in get_args(media.AssetStatus)),
    }
    assert expected - texts.keys() == set()
