"""Domain rules without any server: who sees an asset, and how releases and embargoes move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from presscenter.media.domain import assets as domain
from presscenter.media.domain.access import can_manage, can_read, upload_refusal
from presscenter.shared.events.common import Actor
from presscenter.shared.events.media import AssetReady, AssetRejected, AssetReleased
from presscenter.shared.rpc.errors import Conflict, Forbidden, InvalidTransition
from presscenter.shared.rpc.media import Asset, AssetMetadata
from presscenter.shared.rpc.releases import Viewer

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
OFFICER = Actor(kind="user", id="officer-1", role="unit_officer", unit_code="so-yte")
STORED = domain.StoredContent("image/jpeg", 1000, "b" * 64, "a" * 64, 640, 480)


def viewer(role: str, **extra: Any) -> Viewer:
    return Viewer(id=extra.pop("id", f"{role}-x"), role=role, **extra)  # type: ignore[arg-type]


def ready_asset(access: str = "draft", **metadata: Any) -> Asset:
    asset = domain.new_asset(
        "a-" + "1" * 20, OFFICER, "anh.jpg", "image/jpeg", 1000, None, "so-yte", access,  # type: ignore[arg-type]
        AssetMetadata(**metadata), NOW, NOW + timedelta(minutes=15),
    )  # fmt: skip
    processing = domain.start_processing(asset, OFFICER, NOW).asset
    return domain.mark_ready(processing, STORED, NOW).asset


def test_who_sees_what_by_access_state() -> None:
    journalist, public, editor = viewer("journalist"), viewer("public"), viewer("editor")
    own_unit, other_unit = viewer("unit_officer", unit_code="so-yte"), viewer("unit_officer", unit_code="so-tttt")
    uploader = viewer("unit_officer", id="officer-1", unit_code="so-tttt")  # moved unit: still sees their upload
    draft, internal, public_asset = ready_asset("draft"), ready_asset("internal"), ready_asset("public")
    assert [can_read(draft, v, NOW) for v in (editor, own_unit, uploader, other_unit, journalist, public)] == [
        True, True, True, False, False, False,
    ]  # fmt: skip
    assert [can_read(internal, v, NOW) for v in (other_unit, journalist, public)] == [True, False, False]
    assert [can_read(public_asset, v, NOW) for v in (other_unit, journalist, public)] == [True, True, True]
    not_ready = public_asset.model_copy(update={"status": "processing"})
    assert not can_read(not_ready, journalist, NOW) and can_read(not_ready, own_unit, NOW)


def test_managing_and_uploading_rights() -> None:
    asset = ready_asset()
    assert can_manage(asset, OFFICER)
    assert can_manage(asset, Actor(kind="user", id="e", role="editor"))
    assert not can_manage(asset, Actor(kind="user", id="o", role="unit_officer", unit_code="so-tttt"))
    assert not can_manage(asset, Actor(kind="user", id="j", role="journalist"))
    assert upload_refusal(OFFICER, "so-yte") is None
    assert upload_refusal(OFFICER, "so-tttt") is not None
    assert upload_refusal(Actor(kind="user", id="j", role="journalist"), "so-yte") is not None
    assert upload_refusal(Actor(kind="service", id="s", role="system"), "so-tttt") is None


def test_ready_announces_the_stored_content_and_ai_marking() -> None:
    asset = domain.new_asset(
        "a-" + "2" * 20, OFFICER, "ai.png", "image/png", 10, None, "so-yte", "public",
        AssetMetadata(digital_source_type="trainedAlgorithmicMedia"), NOW, NOW + timedelta(minutes=15),
    )  # fmt: skip
    with pytest.raises(InvalidTransition):
        domain.mark_ready(asset, STORED, NOW)  # not claimed for processing
    change = domain.mark_ready(domain.start_processing(asset, OFFICER, NOW).asset, STORED, NOW)
    (event,) = change.events
    assert isinstance(event, AssetReady) and event.ai_generated and event.access == "public"
    assert (event.sha256, event.original_sha256) == (STORED.sha256, STORED.original_sha256)
    assert change.asset.revision == 3 and change.asset.metadata.ai_generated


def test_rejection_and_expiry_are_final() -> None:
    asset = domain.new_asset(
        "a-" + "3" * 20, OFFICER, "x.pdf", "application/pdf", 10, None, "so-yte", "draft", AssetMetadata(), NOW,
        NOW + timedelta(minutes=15),
    )  # fmt: skip
    expired = domain.expire(asset, NOW)
    (event,) = expired.events
    assert isinstance(event, AssetRejected) and event.reason_code == "missing_object"
    with pytest.raises(InvalidTransition):
        domain.mark_rejected(expired.asset, "corrupt", "x", NOW)
    assert domain.attach_to_release(expired.asset, "r-1", None, NOW) is None
    with pytest.raises(InvalidTransition):
        domain.set_access(expired.asset, OFFICER, expired.asset.revision, "public", NOW)


def test_metadata_and_access_changes_need_the_current_revision_and_the_right() -> None:
    asset = ready_asset()
    with pytest.raises(Conflict):
        domain.update_metadata(asset, OFFICER, asset.revision - 1, AssetMetadata(title="x"), NOW)
    with pytest.raises(Forbidden):
        domain.set_access(asset, Actor(kind="user", id="j", role="journalist"), asset.revision, "public", NOW)
    changed = domain.set_access(asset, OFFICER, asset.revision, "internal", NOW).asset
    assert (changed.access, changed.revision) == ("internal", asset.revision + 1)


def test_an_embargoed_release_holds_its_media_back_until_lifted() -> None:
    asset = ready_asset("public")
    until = NOW + timedelta(hours=1)
    held = domain.attach_to_release(asset, "r-1", until, NOW)
    assert held is not None and held.events == ()
    assert held.asset.metadata.linked_release_ids == ("r-1",)
    journalist, entitled = viewer("journalist"), viewer("journalist", embargo_entitled=True)
    assert not can_read(held.asset, journalist, NOW) and can_read(held.asset, entitled, NOW)
    assert can_read(held.asset, journalist, until + timedelta(seconds=1))  # the time passed, whatever the events
    assert domain.attach_to_release(held.asset, "r-1", until, NOW) is None  # a redelivery changes nothing

    lifted = domain.lift_embargo(held.asset, "r-1", until)
    assert lifted is not None and lifted.asset.embargoes == () and lifted.asset.released_at == until
    (event,) = lifted.events
    assert isinstance(event, AssetReleased) and (event.asset_id, event.release_id) == (asset.id, "r-1")
    assert domain.lift_embargo(lifted.asset, "r-1", until) is None


def test_media_of_two_embargoed_releases_wait_for_both() -> None:
    asset = ready_asset("draft")
    first = domain.attach_to_release(asset, "r-1", NOW + timedelta(hours=1), NOW)
    assert first is not None
    second = domain.attach_to_release(first.asset, "r-2", NOW + timedelta(hours=2), NOW)
    assert second is not None and len(second.asset.embargoes) == 2
    one = domain.lift_embargo(second.asset, "r-1", NOW + timedelta(hours=1))
    assert one is not None and one.events == () and one.asset.access == "public"
    assert not can_read(one.asset, viewer("journalist"), NOW + timedelta(hours=1))
    both = domain.lift_embargo(one.asset, "r-2", NOW + timedelta(hours=2))
    assert both is not None and [type(e) for e in both.events] == [AssetReleased]


def test_publication_without_embargo_releases_draft_media_at_once() -> None:
    change = domain.attach_to_release(ready_asset("draft"), "r-9", None, NOW)
    assert change is not None and change.asset.access == "public"
    assert [e.release_id for e in change.events] == ["r-9"]  # type: ignore[attr-defined]
    past = domain.attach_to_release(ready_asset("internal"), "r-8", NOW - timedelta(minutes=1), NOW)
    assert past is not None and past.asset.embargoes == () and len(past.events) == 1
