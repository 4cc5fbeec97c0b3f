"""Release storage on the embedded datastore: revision-guarded writes, search, visibility, cursors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import mongoengine
import pytest

from presscenter.releases.repository import ReleaseRepository
from presscenter.releases.settings import ReleasesSettings
from presscenter.shared.events.common import Actor
from presscenter.shared.plumbing.mongo import connect
from presscenter.shared.rpc.errors import Conflict, InvalidInput, NotFound
from presscenter.shared.rpc.releases import Content, Release, SearchReleases, Viewer

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
EDITOR = Actor(kind="user", id="ed-1", role="editor", unit_code="vp-ubnd")
EDITOR_VIEW = Viewer(id="ed-1", role="editor")
JOURNALIST = Viewer(id="j-1", role="journalist")
ENTITLED = Viewer(id="j-2", role="journalist", embargo_entitled=True)
PUBLIC = Viewer(id="anon", role="public")


def release(
    release_id: str,
    title: str,
    *,
    status: str = "published",
    unit: str = "so-yte",
    minutes: int = 0,
    embargo: datetime | None = None,
    body: str = "Nội dung.",
    categories: tuple[str, ...] = (),
) -> Release:
    at = NOW + timedelta(minutes=minutes)
    published = status in ("published", "withdrawn")
    return Release(
        id=release_id,
        unit_code=unit,
        content=Content(title=title, body=body, categories=categories),
        status=status,  # type: ignore[arg-type]
        revision=1,
        version=1 if published else 0,
        embargoed_until=embargo,
        created_at=at,
        created_by=EDITOR,
        updated_at=at,
        first_published_at=at if published else None,
        version_created_at=at if published else None,
    )


@pytest.fixture
def repo(mongo_uri: str, mongo_db_name: str) -> Iterator[ReleaseRepository]:
    connect(ReleasesSettings(mongo_uri=mongo_uri, mongo_db=mongo_db_name))
    try:
        yield ReleaseRepository()
    finally:
        mongoengine.disconnect("releases")


def ids(page: Any) -> list[str]:
    return [item.id for item in page.items]


def test_insert_is_idempotent_and_update_is_guarded_by_revision(repo: ReleaseRepository) -> None:
    first = release("r-1", "Thông báo")
    assert repo.insert(first, ()) is True
    assert repo.insert(first, ()) is False
    changed = first.model_copy(update={"revision": 2, "status": "withdrawn"})
    repo.update(changed, 1, ())
    assert repo.get("r-1").status == "withdrawn"
    with pytest.raises(Conflict) as stale:
        repo.update(changed.model_copy(update={"revision": 3}), 1, ())
    assert stale.value.extra == {"current_revision": 2}
    with pytest.raises(NotFound):
        repo.get("r-404")


def test_search_is_diacritics_insensitive_both_ways(repo: ReleaseRepository) -> None:
    repo.insert(release("r-1", "Hà Nội mở rộng tuyến buýt", minutes=1), ())
    repo.insert(release("r-2", "Đà Nẵng đón khách", minutes=2), ())
    repo.insert(release("r-3", "ha noi khong diacritics", minutes=3), ())
    assert ids(repo.search(SearchReleases(viewer=PUBLIC, q="ha noi"), NOW)) == ["r-3", "r-1"]
    assert ids(repo.search(SearchReleases(viewer=PUBLIC, q="Hà Nội"), NOW)) == ["r-3", "r-1"]
    assert ids(repo.search(SearchReleases(viewer=PUBLIC, q="DA NANG"), NOW)) == ["r-2"]
    with pytest.raises(InvalidInput):
        repo.search(SearchReleases(viewer=PUBLIC, q="!!!"), NOW)


def test_visibility_by_role_status_and_embargo(repo: ReleaseRepository) -> None:
    repo.insert(release("r-pub", "Công khai"), ())
    repo.insert(release("r-emb", "Cấm vận", embargo=NOW + timedelta(hours=1)), ())
    repo.insert(release("r-draft", "Bản nháp", status="draft", unit="phuong-hk"), ())
    repo.insert(release("r-wd", "Đã rút", status="withdrawn"), ())
    everything = {"r-pub", "r-emb", "r-draft", "r-wd"}
    assert set(ids(repo.search(SearchReleases(viewer=EDITOR_VIEW), NOW))) == everything
    assert set(ids(repo.search(SearchReleases(viewer=JOURNALIST), NOW))) == {"r-pub", "r-wd"}
    assert set(ids(repo.search(SearchReleases(viewer=ENTITLED), NOW))) == {"r-pub", "r-emb", "r-wd"}
    officer = Viewer(id="o-1", role="unit_officer", unit_code="phuong-hk")
    assert set(ids(repo.search(SearchReleases(viewer=officer), NOW))) == {"r-pub", "r-draft", "r-wd"}
    later = NOW + timedelta(hours=2)
    assert set(ids(repo.search(SearchReleases(viewer=PUBLIC), later))) == {"r-pub", "r-emb", "r-wd"}
    with pytest.raises(NotFound):
        repo.read("r-emb", JOURNALIST, NOW)
    assert repo.read("r-emb", ENTITLED, NOW).id == "r-emb"
    with pytest.raises(NotFound):
        repo.read("r-draft", JOURNALIST, NOW)


def test_filters_and_cursor_pagination_walk_every_item_once(repo: ReleaseRepository) -> None:
    for n in range(7):
        repo.insert(release(f"r-{n}", f"Tin {n}", minutes=n, categories=("giao-thong",) if n % 2 else ()), ())
    seen: list[str] = []
    cursor = None
    while True:
        page = repo.search(SearchReleases(viewer=PUBLIC, limit=3, cursor=cursor), NOW)
        seen += ids(page)
        if not (cursor := page.next_cursor):
            break
    assert seen == [f"r-{n}" for n in reversed(range(7))]
    assert ids(repo.search(SearchReleases(viewer=PUBLIC, category="giao-thong"), NOW)) == ["r-5", "r-3", "r-1"]
    window = SearchReleases(
        viewer=PUBLIC, published_from=NOW + timedelta(minutes=2), published_to=NOW + timedelta(minutes=4)
    )
    assert ids(repo.search(window, NOW)) == ["r-3", "r-2"]
    with pytest.raises(InvalidInput) as bad:
        repo.search(SearchReleases(viewer=PUBLIC, cursor="garbage"), NOW)
    assert bad.value.field == "cursor"
