"""The web console in a real headless Chromium against the whole suite (real services, broker,
datastore, gateway): each role signs in through the login form, an editor publishes and an open
journalist page shows it live, a question goes from journalist to unit officer and back, an officer
uploads an image through the presigned-URL flow. Each main screen is saved to docs/console/."""

from __future__ import annotations

import io
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from PIL import Image

from presscenter.shared.sdk import EventPublisher

LIVE_TIMEOUT = 15_000  # ms: a published release reaches an open page well within this
ANSWER_TIMEOUT = 10_000  # ms: the page reloads on the stream's question_answered (its own poll is every 60 s)


def png_bytes() -> bytes:
    image = Image.new("RGB", (64, 48), (164, 22, 26))
    for x in range(20, 44):
        for y in range(14, 34):
            image.putpixel((x, y), (255, 213, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def submitted_release(suite: Any, title: str) -> dict[str, Any]:
    """A unit officer's release, submitted for review (through the API: the test is about the editor)."""
    content = {
        "title": title,
        "lead": "Tin kiểm thử bảng điều khiển.",
        "body": "Nội dung thông cáo.",
        "categories": ["health"],
    }
    release = suite.api("officer", "POST", "/v1/releases", json={"unit_code": "so-yte", "content": content})
    return suite.api(  # type: ignore[no-any-return]
        "officer", "POST", f"/v1/releases/{release['id']}/submit", json={"expected_revision": release["revision"]}
    )


def test_an_editor_publishes_and_an_open_journalist_page_shows_it_live(pages: Any, suite: Any, screenshot: Any) -> None:
    journalist = pages("journalist")
    journalist.get_by_text("Đang cập nhật trực tiếp").wait_for()  # the stream is open
    journalist.evaluate("window.__sameDocument = true")

    title = f"Hà Nội mở thêm điểm tiêm chủng {uuid.uuid4().hex[:6]}"
    release = submitted_release(suite, title)

    editor = pages("editor")
    editor.goto(f"{suite.url}/console/#/approvals")
    editor.get_by_role("link", name=title).click()
    editor.get_by_role("heading", name=title).wait_for()
    screenshot(editor, "editor-release-review")
    editor.get_by_role("button", name="Duyệt", exact=True).click()
    editor.get_by_text("Đã duyệt.").wait_for()
    editor.get_by_role("button", name="Đăng ngay").click()
    editor.get_by_text("Đã đăng.").wait_for()

    item = journalist.locator(f'#feed-list li[data-release-id="{release["id"]}"]')
    item.wait_for(timeout=LIVE_TIMEOUT)
    assert journalist.evaluate("window.__sameDocument === true"), "the journalist's page was reloaded"
    assert "fresh" in (item.get_attribute("class") or "")
    assert title in journalist.locator("#status").inner_text()  # announced to screen readers too
    screenshot(journalist, "journalist-live-feed")

    item.get_by_role("link", name=title).click()
    journalist.get_by_role("heading", name=title).wait_for()
    ninjs = journalist.get_by_role("link", name="ninjs", exact=True)
    assert ninjs.get_attribute("href") == f"/v1/releases/{release['id']}/ninjs"
    assert journalist.get_by_text("Đã đăng", exact=True).count() >= 1

    # the editor corrects it; the journalist's open release page shows version 2 and the note
    editor.get_by_text("Đính chính", exact=True).first.click()  # opens the correction form
    editor.get_by_label("Nội dung", exact=True).fill("Nội dung thông cáo, đã sửa giờ mở cửa.")
    editor.get_by_label("Nội dung đính chính (hiển thị cho bạn đọc)").fill("Sửa giờ mở cửa điểm tiêm.")
    editor.locator("form button[type=submit]", has_text="Đính chính").click()
    editor.get_by_text("Đã đăng bản đính chính.").wait_for()
    journalist.get_by_text("Đính chính: Sửa giờ mở cửa điểm tiêm.").wait_for(timeout=LIVE_TIMEOUT)
    assert journalist.get_by_role("link", name="ninjs v2").count() == 1
    assert journalist.evaluate("window.__sameDocument === true")
    screenshot(journalist, "journalist-release-corrected")


def test_an_editor_approves_embargoes_and_schedules_a_release(pages: Any, suite: Any, screenshot: Any) -> None:
    title = f"Lịch tổ chức Lễ hội mùa thu {uuid.uuid4().hex[:6]}"
    release = submitted_release(suite, title)
    hanoi = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).replace(second=0, microsecond=0)
    embargo, publish_at = hanoi + timedelta(hours=3), hanoi + timedelta(hours=2)

    editor = pages("editor")
    editor.goto(f"{suite.url}/console/#/releases/{release['id']}")
    editor.get_by_role("button", name="Duyệt", exact=True).click()
    editor.get_by_text("Đã duyệt.").wait_for()
    editor.get_by_label("Cấm đăng đến").fill(embargo.strftime("%Y-%m-%dT%H:%M"))
    editor.get_by_role("button", name="Đặt cấm đăng").click()
    editor.get_by_text("Đã cập nhật cấm đăng.").wait_for()
    editor.get_by_label("Thời điểm đăng").fill(publish_at.strftime("%Y-%m-%dT%H:%M"))
    editor.get_by_role("button", name="Hẹn giờ đăng").click()
    editor.get_by_text("Đã hẹn giờ.").wait_for()
    editor.get_by_role("button", name="Hủy hẹn giờ").wait_for()
    screenshot(editor, "editor-release-scheduled")

    stored = suite.api("editor", "GET", f"/v1/releases/{release['id']}")
    assert stored["status"] == "scheduled"
    assert datetime.fromisoformat(stored["scheduled_at"]) == publish_at
    assert datetime.fromisoformat(stored["embargoed_until"]) == embargo


def test_a_question_goes_to_the_unit_and_the_journalist_sees_the_answer(
    pages: Any, suite: Any, screenshot: Any
) -> None:
    journalist = pages("journalist")
    journalist.goto(f"{suite.url}/console/#/questions/new")
    title = f"Số ca sốt xuất huyết tuần này {uuid.uuid4().hex[:6]}"
    journalist.get_by_label("Tiêu đề câu hỏi").fill(title)
    journalist.get_by_label("Nội dung câu hỏi").fill("Xin Sở Y tế cho biết số ca mắc mới và các ổ dịch đang hoạt động.")
    journalist.locator("select[name=category] option[value=health]").wait_for(state="attached")
    journalist.get_by_label("Lĩnh vực").select_option("health")
    journalist.get_by_label("Địa bàn").fill("so-yte")
    screenshot(journalist, "journalist-ask")
    journalist.get_by_role("button", name="Gửi câu hỏi").click()
    journalist.wait_for_url(re.compile(r"#/questions/[^/]+$"))
    journalist.get_by_role("heading", name=title).wait_for()
    assert journalist.get_by_test_id("question-unit").inner_text() == "so-yte"
    question_id = journalist.url.rsplit("/", 1)[-1]

    officer = pages("officer")
    officer.goto(f"{suite.url}/console/#/questions")
    row = officer.locator(f'tr[data-question-id="{question_id}"]')
    row.wait_for()
    screenshot(officer, "officer-question-queue")
    row.get_by_role("link", name=title).click()
    answer = "Tuần này thành phố ghi nhận 312 ca mắc mới, giảm 8% so với tuần trước."
    officer.get_by_label("Nội dung trả lời").fill(answer)
    officer.get_by_role("button", name="Gửi trả lời").click()
    officer.get_by_text("Đã gửi trả lời.").wait_for()

    journalist.locator(".answer", has_text=answer).wait_for(timeout=ANSWER_TIMEOUT)
    assert journalist.get_by_text("Đã trả lời", exact=True).count() >= 1
    screenshot(journalist, "journalist-question-answered")


def test_an_officer_uploads_an_image_and_submits_a_release_with_it(
    pages: Any, suite: Any, screenshot: Any, tmp_path: Any
) -> None:
    officer = pages("officer")
    officer.goto(f"{suite.url}/console/#/drafts")
    title = f"Ảnh hiện trường chiến dịch diệt bọ gậy {uuid.uuid4().hex[:6]}"
    officer.get_by_label("Tiêu đề").fill(title)
    officer.get_by_label("Nội dung", exact=True).fill("Các phường ra quân diệt bọ gậy, loăng quăng.")
    image = tmp_path / "chien-dich.png"
    image.write_bytes(png_bytes())
    officer.get_by_label("Thêm ảnh, video hoặc PDF").set_input_files(str(image))
    uploaded = officer.locator("li[data-asset-id]", has_text="sẵn sàng")
    uploaded.wait_for(timeout=20_000)
    asset_id = uploaded.get_attribute("data-asset-id")
    screenshot(officer, "officer-drafting")
    officer.get_by_role("button", name="Lưu thông cáo").click()
    officer.wait_for_url(re.compile(r"#/releases/[^/]+$"))
    officer.get_by_role("heading", name=title).wait_for()
    assert officer.get_by_text("Chờ duyệt", exact=True).count() >= 1
    release = suite.api("officer", "GET", f"/v1/releases/{officer.url.rsplit('/', 1)[-1]}")
    assert release["status"] == "submitted"
    assert release["content"]["media_asset_ids"] == [asset_id]
    asset = suite.api("officer", "GET", f"/v1/media/assets/{asset_id}")
    assert asset["status"] == "ready" and asset["content_type"] == "image/png"

    # the attachment downloads through a short-lived link
    officer.get_by_role("button", name="Tải về").click()
    link = officer.locator("main a[download]")
    link.wait_for()
    with httpx.Client(base_url=suite.url, timeout=30) as http:
        download = http.get(link.get_attribute("href") or "")
    assert download.status_code == 200 and download.content.startswith(b"\x89PNG")
    screenshot(officer, "officer-release-with-image")


def test_an_editor_escalates_a_question_and_it_shows_on_the_escalation_board(
    pages: Any, suite: Any, screenshot: Any
) -> None:
    title = f"Tiến độ xử lý rác thải ở bãi Nam Sơn {uuid.uuid4().hex[:6]}"
    question = suite.api(
        "journalist",
        "POST",
        "/v1/questions",
        json={"title": title, "body": "Khi nào bãi rác hoạt động bình thường trở lại?", "category": "health"},
    )
    editor = pages("editor")
    editor.goto(f"{suite.url}/console/#/questions/{question['id']}")
    editor.get_by_role("heading", name=title).wait_for()
    editor.get_by_text("Chuyển cấp", exact=True).first.click()  # opens the escalation form
    editor.get_by_label("Lý do").last.fill("Cần ý kiến của Ủy ban nhân dân Thành phố.")
    editor.locator("form button[type=submit]", has_text="Chuyển cấp").click()
    editor.get_by_text("Đã chuyển cấp.").wait_for()
    chain = editor.locator("section[aria-labelledby=chain] li")
    chain.nth(1).wait_for()
    assert chain.count() == 2
    assert question["unit_code"] in chain.nth(0).inner_text()
    screenshot(editor, "editor-question-escalated")

    editor.goto(f"{suite.url}/console/#/escalations")
    editor.get_by_role("heading", name="Bảng theo dõi quá hạn và chuyển cấp", level=1).wait_for()
    editor.locator(f'tr[data-question-id="{question["id"]}"]').first.wait_for()
    screenshot(editor, "editor-escalations")


def spread_rumour(suite: Any, claim: str, unit_code: str, sources: list[str], text: str, *, minutes_apart: int) -> Any:
    """The desk registers `claim` as false (answered by `unit_code`), then crawlers report `text`
    (titled with the claim) once per source, oldest first, `minutes_apart` apart up to now, each
    item shared a little more than the one before. Returns the registered claim."""
    registered = suite.api(
        "editor", "POST", "/v1/monitoring/claims", json={"text": claim, "rating": "false", "unit_code": unit_code}
    )
    now = datetime.now(UTC)
    with EventPublisher(suite.amqp_uri, source="crawler-test") as publisher:
        for n, source in enumerate(sources):
            publisher.emit(
                "item_observed",
                {
                    "source_name": source,
                    "source_type": "social",
                    "url": f"https://social.example/posts/{uuid.uuid4().hex}",
                    "title": claim,
                    "text": text,
                    "published_at": (now - timedelta(minutes=minutes_apart * (len(sources) - n))).isoformat(),
                    "engagement": {"shares": 40 * n, "comments": 3 * n, "reactions": 25 * n},
                },
            )
    return registered


def test_the_editors_desks_render_their_data(pages: Any, suite: Any, screenshot: Any) -> None:
    # a false claim registered, then crawlers report the rumour spreading
    claim = spread_rumour(
        suite,
        "Nước máy Hà Nội nhiễm độc, không được dùng",
        "so-xd",
        [f"Trang cộng đồng {n % 5}" for n in range(8)],
        "Cảnh báo: nước máy Hà Nội nhiễm độc, không được dùng để nấu ăn. Chia sẻ ngay!",
        minutes_apart=5,
    )
    deadline = time.monotonic() + 20
    spread = suite.api("editor", "GET", f"/v1/monitoring/claims/{claim['claim_id']}/spread")
    while spread["rumour_items"] == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        spread = suite.api("editor", "GET", f"/v1/monitoring/claims/{claim['claim_id']}/spread")

    editor = pages("editor")
    for route, heading, name in (
        ("approvals", "Duyệt và đăng thông cáo", "editor-approvals"),
        ("scorecards", "Đánh giá trả lời báo chí của các đơn vị", "editor-scorecards"),
    ):
        editor.goto(f"{suite.url}/console/#/{route}")
        editor.get_by_role("heading", name=heading, level=1).wait_for()
        editor.locator("main [aria-busy=true]").first.wait_for(state="detached")
        errors = editor.locator("main .error-text").all_inner_texts()
        assert not errors, f"{route}: {errors}"
        screenshot(editor, name)
    # the monitoring desk: the alert, and the registered claim's spread drawn per quarter hour
    editor.goto(f"{suite.url}/console/#/monitoring")
    editor.get_by_role("heading", name="Theo dõi thông tin trên mạng", level=1).wait_for()
    editor.locator("main li", has_text="Nước máy Hà Nội nhiễm độc").first.wait_for()
    editor.locator(f'select[name=claim] option[value="{claim["claim_id"]}"]').wait_for(state="attached")
    assert editor.locator("select[name=claim]").input_value() == claim["claim_id"]
    editor.get_by_label("Khoảng thời gian").select_option("15")
    rumour = editor.locator('#spread-chart polyline[data-series="rumour"]')
    rumour.wait_for()
    assert len((rumour.get_attribute("points") or "").split()) >= 2
    assert editor.locator("#spread-chart title").text_content() == "Tin đồn và tin bác bỏ theo thời gian"
    assert not editor.locator("main .error-text").all_inner_texts()
    screenshot(editor, "editor-monitoring")

    # the open desk shows a new alert as the stream brings it, without a reload
    spread_rumour(
        suite,
        "Hà Nội cho học sinh nghỉ học cả tuần vì rét đậm",
        "so-gddt",
        [f"Nhóm phụ huynh {n}" for n in range(3)],
        "Tin nóng: Hà Nội cho học sinh nghỉ học cả tuần vì rét đậm, phụ huynh chú ý!",
        minutes_apart=1,
    )
    editor.locator("main li", has_text="nghỉ học cả tuần vì rét đậm").first.wait_for(timeout=15_000)


def test_english_on_a_phone_with_labelled_controls_and_keyboard_access(pages: Any, suite: Any, screenshot: Any) -> None:
    journalist = pages("journalist", mobile=True)
    journalist.get_by_role("button", name="English").click()
    journalist.get_by_role("heading", name="Press releases").wait_for()
    assert journalist.evaluate("document.documentElement.lang") == "en"
    assert journalist.get_by_role("link", name="Ask a question").is_visible()
    unlabelled = journalist.evaluate(
        """[...document.querySelectorAll('input, select, textarea')]
             .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
             .map((el) => el.name || el.outerHTML)"""
    )
    assert unlabelled == []
    assert journalist.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "scrolls sideways"
    screenshot(journalist, "journalist-feed-phone-en")
    journalist.reload()
    journalist.get_by_role("heading", name="Press releases").wait_for()  # still signed in, still English
    journalist.keyboard.press("Tab")
    assert journalist.evaluate("document.activeElement.className") == "skip"


def test_a_wrong_password_is_refused_with_a_message(browser: Any, suite: Any, screenshot: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{suite.url}/console/")
        page.get_by_label("Tên đăng nhập").fill("journalist.plain")
        page.get_by_label("Mật khẩu").fill("not the password")
        page.get_by_role("button", name="Đăng nhập").click()
        alert = page.get_by_role("alert")
        alert.wait_for()
        assert alert.inner_text().strip()
        assert page.locator("#nav a").count() == 0
        screenshot(page, "login")
    finally:
        context.close()
