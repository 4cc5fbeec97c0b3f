"""Recipients and correction notices: a real gateway (uvicorn) in front of the real releases service
(`nameko run` subprocess) on the real broker. Journalists download ninjs; the editor corrects, then
withdraws; the live stream (SSE over httpx, as EventSource reads it) tells exactly those who had an
earlier version, naming the version they had and the new one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from presscenter.gateway.stream_topics import correction_notices
from presscenter.gateway.testing.accounts import ADMIN, PRESS_CAST, SignedIn, sign_in
from presscenter.gateway.testing.sse_client import EventStreamReader
from presscenter.gateway.testing.stack import gateway_and_services, ok
from presscenter.shared.events.envelope import make_event
from presscenter.shared.events.releases import ReleaseCorrected, ReleaseSnapshot
from presscenter.shared.rpc.releases import Recipient, ReleaseRecipients, VersionDownload, Viewer

pytestmark = pytest.mark.anyio

CAST = {**PRESS_CAST, "other_officer": {"username": "officer.sogd", "role": "unit_officer", "unit_code": "so-gddt"}}
CONTENT = {
    "title": "Hà Nội tăng cường phòng chống sốt xuất huyết",
    "lead": "Sở Y tế Hà Nội khuyến cáo người dân diệt bọ gậy.",
    "body": "Từ tuần này, các phường triển khai chiến dịch **diệt bọ gậy**.",
    "categories": ["health"],
}


@dataclass
class Stack:
    url: str
    cast: dict[str, SignedIn]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, embedded_mongo: Any) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("recipients")
    with (
        gateway_and_services(
            embedded_mongo.uri,
            workdir,
            {"releases": {}},
            vhost_prefix="gateway-recipients",
            stream_environment={"STREAM_HEARTBEAT_SECONDS": "0.5"},
        ) as running,
        running.client() as http,
    ):
        yield Stack(running.url, sign_in(http, ADMIN, CAST))


async def step(http: httpx.AsyncClient, who: SignedIn, release: dict[str, Any], action: str, **body: Any) -> Any:
    headers = {**who.headers, "If-Match": f'"{release["revision"]}"'}
    return ok(await http.post(f"/v1/releases/{release['id']}/{action}", json=body or None, headers=headers))


async def published(http: httpx.AsyncClient, cast: dict[str, SignedIn]) -> dict[str, Any]:
    officer, editor = cast["officer"], cast["editor"]
    created = ok(
        await http.post("/v1/releases", json={"unit_code": "so-yte", "content": CONTENT}, headers=officer.headers), 201
    )
    release = await step(http, officer, created, "submit")
    return await step(http, editor, await step(http, editor, release, "approve"), "publish")  # type: ignore[no-any-return]


async def test_recipients_are_listed_and_told_of_corrections_and_withdrawals(stack: Stack) -> None:
    cast = stack.cast
    reader, other, editor = cast["journalist"], cast["entitled"], cast["editor"]
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as http:
        release = await published(http, cast)
        ninjs = f"/v1/releases/{release['id']}/ninjs"
        for _ in range(2):  # downloading again records nothing new
            assert ok(await http.get(ninjs, headers=reader.headers))["version"] == "1"
        ok(await http.get(ninjs))  # anonymous: not a recipient

        recipients_url = f"/v1/releases/{release['id']}/recipients"
        listed = ok(await http.get(recipients_url, headers=editor.headers))
        assert listed["version"] == 1
        assert [(r["account_id"], r["latest_version"]) for r in listed["items"]] == [(reader.account_id, 1)]
        assert ok(await http.get(recipients_url, headers=cast["officer"].headers)) == listed  # the owning unit
        assert (await http.get(recipients_url, headers=cast["other_officer"].headers)).status_code == 404
        assert (await http.get(recipients_url, headers=reader.headers)).status_code == 403
        assert (await http.get(recipients_url)).status_code == 401

        async with (
            EventStreamReader(http, "/v1/stream", headers=reader.headers) as reader_stream,
            EventStreamReader(http, "/v1/stream", headers=other.headers) as other_stream,
        ):
            correction = {"content": {**CONTENT, "body": "Chiến dịch kéo dài hai tuần."}, "note": "Sửa thời gian."}
            release = await step(http, editor, release, "correct", **correction)
            notice = await reader_stream.next("correction_notice", timeout=5)
            data = notice.json()
            assert data["action"] == "corrected" and data["release"]["release_id"] == release["id"]
            assert (data["version_had"], data["new_version"]) == (1, 2)
            assert data["correction_note"] == "Sửa thời gian." and notice.id == data["event_id"]
            assert (await other_stream.next("release_corrected", timeout=5)).json()["release"]["version"] == 2
            with pytest.raises(TimeoutError):  # never downloaded it: the correction, but no notice
                await other_stream.next("correction_notice", timeout=0.5)

            assert ok(await http.get(ninjs, headers=other.headers))["version"] == "2"
            withdrawal = {"reason": "published_in_error", "note": "Thông tin chưa được xác minh."}
            await step(http, editor, release, "withdraw", **withdrawal)
            for stream, had in ((reader_stream, 1), (other_stream, 2)):
                data = (await stream.next("correction_notice", timeout=5)).json()
                assert data["action"] == "withdrawn" and data["release"]["status"] == "withdrawn"
                assert (data["version_had"], data["new_version"]) == (had, 2)
                assert data["reason"] == "published_in_error"


class RecipientsStub:
    """Stands in for the releases service's `recipients` answer (the end-to-end test above uses the real one)."""

    def __init__(self, answer: ReleaseRecipients | None) -> None:
        self.answer = answer

    async def release(self, release_id: str) -> None:
        return None

    async def recipients(self, release_id: str) -> ReleaseRecipients | None:
        return self.answer


async def test_notices_skip_accounts_that_have_the_new_version_and_none_go_out_when_recipients_are_unknown() -> None:
    snapshot = ReleaseSnapshot(release_id="r-1", unit_code="so-yte", title="Tiêu đề", status="published", version=3)
    corrected = make_event(
        ReleaseCorrected(
            release=snapshot, actor={"kind": "user", "id": "e1", "role": "editor"}, correction_note="Sửa.",
            correction_sequence=2, previous_version=2,
        ),
        source="releases",
    )  # fmt: skip
    first_at = datetime(2026, 3, 2, 8, tzinfo=UTC)
    answer = ReleaseRecipients(
        release_id="r-1",
        version=3,
        items=[
            Recipient(account_id=account, role="journalist", latest_version=had,
                      downloads=[VersionDownload(version=had, first_at=first_at)])
            for account, had in (("a", 1), ("b", 3))
        ],
    )  # fmt: skip
    notices = await correction_notices(corrected, RecipientsStub(answer))
    assert [(n.event_id, n.type) for n in notices] == [(f"{corrected.event_id}.a", "correction_notice")]
    audience = notices[0].projection.audience
    assert audience(Viewer(id="a", role="journalist")) and not audience(Viewer(id="b", role="journalist"))
    assert notices[0].projection.data["version_had"] == 1 and notices[0].projection.data["new_version"] == 3
    assert await correction_notices(corrected, RecipientsStub(None)) == []
