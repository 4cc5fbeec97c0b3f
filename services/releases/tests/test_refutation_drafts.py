"""A misinformation alert becomes one draft refutation for the responsible unit (domain, no broker)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from presscenter.releases.domain import workflow as wf
from presscenter.releases.domain.refutation_drafts import TITLE_PREFIX, refutation_release_id
from presscenter.shared.events.common import Actor
from presscenter.shared.events.monitoring import ExampleItem, MisinformationAlert
from presscenter.shared.rpc.errors import Forbidden

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PLATFORM = Actor(kind="service", id="releases-refutations")


def alert(**fields: object) -> MisinformationAlert:
    values: dict[str, object] = {
        "alert_id": "al-0001",
        "kind": "known_claim",
        "score": 0.93,
        "claim_id": "c-nuoc-may",
        "claim_text": "Nước máy Hà Nội nhiễm độc, không được dùng",
        "responsible_unit_code": "so-xd",
        "topic": "nước sạch",
        "items": [
            ExampleItem(url="https://forum.example.vn/t/1", title="Nước máy nhiễm độc!!!", source_name="forum"),
            ExampleItem(url="https://social.example.vn/p/2", source_name="social-2"),
        ],
        "first_seen_at": datetime(2026, 11, 27, 1, 30, tzinfo=UTC),
        **fields,
    }
    return MisinformationAlert.model_validate(values)


def test_a_known_claim_gives_a_draft_for_its_unit_that_refutes_it() -> None:
    release = wf.draft_refutation(PLATFORM, alert(), NOW).release
    assert release.status == "draft" and release.unit_code == "so-xd"
    assert release.id == refutation_release_id("al-0001") == wf.draft_refutation(PLATFORM, alert(), NOW).release.id
    content = release.content
    assert content.title == TITLE_PREFIX + "Nước máy Hà Nội nhiễm độc, không được dùng"
    assert content.refutes_claim_ids == ("c-nuoc-may",) and content.categories == ("nước sạch",)
    assert "2 tin lan truyền từ 08:30 27/11/2026" in content.lead  # the city's time
    assert "https://forum.example.vn/t/1" in content.body and "social-2" in content.body


def test_a_contradiction_names_the_release_and_refutes_no_claim() -> None:
    contradiction = alert(kind="contradicts_release", claim_id=None, release_id="r-5f0c2a9e1b7d4c3a")
    content = wf.draft_refutation(PLATFORM, contradiction, NOW).release.content
    assert content.refutes_claim_ids == () and "r-5f0c2a9e1b7d4c3a" in content.lead


def test_only_the_platform_drafts_refutations() -> None:
    officer = Actor(kind="user", id="u1", role="unit_officer", unit_code="so-xd")
    with pytest.raises(Forbidden):
        wf.draft_refutation(officer, alert(), NOW)
