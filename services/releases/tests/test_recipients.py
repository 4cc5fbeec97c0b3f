"""Recipients of a release: a ninjs download asked to be recorded is remembered once per account and
version (the real service in a nameko container, real RabbitMQ, the embedded datastore)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient

from presscenter.releases.recipients import group_by_account
from presscenter.releases.service import ReleasesService

EDITOR = {"kind": "user", "id": "editor-1", "role": "editor", "unit_code": "ubnd-hn"}
EDITOR_VIEW = {"id": "editor-1", "role": "editor"}
JOURNALIST = {"id": "acc-journalist", "role": "journalist"}
OTHER = {"id": "acc-other", "role": "journalist"}
OWN_OFFICER = {"id": "acc-officer", "role": "unit_officer", "unit_code": "so-gddt"}
FOREIGN_OFFICER = {"id": "acc-officer-2", "role": "unit_officer", "unit_code": "so-yte"}
PUBLIC = {"id": "anonymous", "role": "public"}
CONTENT = {"title": "Lịch thi tuyển sinh lớp 10", "body": "Lịch thi chính thức.", "categories": ["education"]}


@pytest.fixture
def releases(container_factory: Any, service_config: dict[str, Any]) -> Iterator[Any]:
    container = container_factory(ReleasesService, service_config)
    container.start()
    with ClusterRpcClient(uri=service_config["AMQP_URI"], timeout=15) as client:
        yield client.releases


def step(release: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"actor": EDITOR, "release_id": release["id"], "expected_revision": release["revision"], **extra}


def download(releases: Any, release: dict[str, Any], viewer: dict[str, Any], **extra: Any) -> dict[str, Any]:
    request = {"viewer": viewer, "release_id": release["id"], "record_download": True, **extra}
    return releases.ninjs(request)  # type: ignore[no-any-return]


def test_downloads_are_recorded_once_per_account_and_version_and_shown_to_editors_and_the_unit(releases: Any) -> None:
    release = releases.create_draft({"actor": EDITOR, "unit_code": "so-gddt", "content": CONTENT})
    release = releases.publish_now(step(releases.approve(step(releases.submit(step(release))))))
    for _ in range(3):  # a retried or repeated download is one record
        assert download(releases, release, JOURNALIST)["version"] == "1"
    download(releases, release, PUBLIC)  # the public is never recorded
    releases.ninjs({"viewer": OTHER, "release_id": release["id"]})  # not asked to record
    release = releases.correct(step(release, content={**CONTENT, "body": "Lịch thi đã sửa."}, note="Sửa ngày thi."))
    download(releases, release, JOURNALIST)
    download(releases, release, OTHER, version=1)

    seen = releases.recipients({"viewer": EDITOR_VIEW, "release_id": release["id"]})
    assert seen["release_id"] == release["id"] and seen["version"] == 2
    by_account = {item["account_id"]: item for item in seen["items"]}
    assert set(by_account) == {"acc-journalist", "acc-other"}
    assert [d["version"] for d in by_account["acc-journalist"]["downloads"]] == [1, 2]
    assert by_account["acc-journalist"]["latest_version"] == 2 and by_account["acc-other"]["latest_version"] == 1
    assert releases.recipients({"viewer": OWN_OFFICER, "release_id": release["id"]}) == seen

    for viewer in (FOREIGN_OFFICER, JOURNALIST, PUBLIC):
        with pytest.raises(RemoteError) as refused:
            releases.recipients({"viewer": viewer, "release_id": release["id"]})
        assert refused.value.exc_type == "NotFound"


def test_recipients_are_grouped_per_account_in_order_of_first_download() -> None:
    documents = [
        {"account_id": "b", "role": "journalist", "unit_code": "", "version": 1, "at_us": 2_000_000},
        {"account_id": "a", "role": "journalist", "unit_code": "", "version": 2, "at_us": 3_000_000},
        {"account_id": "a", "role": "journalist", "unit_code": "", "version": 1, "at_us": 1_000_000},
    ]
    grouped = group_by_account(documents)
    assert [r.account_id for r in grouped] == ["a", "b"]
    assert [d.version for d in grouped[0].downloads] == [1, 2] and grouped[0].latest_version == 2
    assert grouped[1].unit_code is None and grouped[1].downloads[0].first_at.timestamp() == 2.0
