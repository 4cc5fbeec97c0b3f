"""A draft refutation release from a misinformation alert (the brief's flow 3).

When monitoring raises `misinformation_alert`, the responsible unit finds a draft in its queue:
what is spreading, since when, where (the example items), and — for a registered claim — the claim
it would refute once published (`refutes_claim_ids`, so monitoring tracks rumour against refutation).
The unit writes the official facts over the placeholder text and submits it as any draft. One alert
makes one draft: its id is derived from the alert id.
"""

from __future__ import annotations

import hashlib
from zoneinfo import ZoneInfo

from presscenter.shared.events.monitoring import MisinformationAlert
from presscenter.shared.rpc.releases import MAX_LEAD, MAX_TITLE, Content

TITLE_PREFIX = "Thông tin chính thức về: "
MAX_EXAMPLES = 10
CITY_TIME = ZoneInfo("Asia/Ho_Chi_Minh")


def refutation_release_id(alert_id: str) -> str:
    """The same alert always maps to the same draft: a redelivery creates nothing new."""
    return f"a-{hashlib.sha256(alert_id.encode()).hexdigest()[:16]}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def refutation_content(alert: MisinformationAlert) -> Content:
    """The draft's text: the claim as spread, the evidence, and what the unit has to add."""
    claim = _shorten(alert.claim_text, MAX_TITLE - len(TITLE_PREFIX)) or "thông tin sai lệch đang lan truyền"
    seen = alert.first_seen_at.astimezone(CITY_TIME) if alert.first_seen_at else None
    since = f" từ {seen:%H:%M %d/%m/%Y}" if seen else ""
    if alert.kind == "contradicts_release":
        what = "trái với thông tin chính thức" + (f" (thông cáo {alert.release_id})" if alert.release_id else "")
    else:
        what = "khớp với tin sai đã biết" + (f" ({alert.claim_id})" if alert.claim_id else "")
    lead = _shorten(
        f"Hệ thống giám sát phát hiện {len(alert.items)} tin lan truyền{since} {what} "
        f"(cảnh báo {alert.alert_id}, độ tin cậy {alert.score:.0%}).",
        MAX_LEAD,
    )
    examples = "\n".join(
        f"- [{_shorten(item.title or item.source_name, 200)}]({item.url}) ({item.source_name})"
        for item in alert.items[:MAX_EXAMPLES]
    )
    body = (
        "**Bản nháp do hệ thống tạo từ cảnh báo tin sai. Đơn vị thay phần này bằng thông tin chính thức "
        "trước khi gửi duyệt.**\n\n"
        f"Nội dung đang lan truyền: {_shorten(alert.claim_text, 2_000)}\n\n"
        f"Một số tin đã ghi nhận:\n\n{examples}\n"
    )
    return Content(
        title=TITLE_PREFIX + claim,
        lead=lead,
        body=body,
        categories=(alert.topic,) if alert.topic else (),
        refutes_claim_ids=(alert.claim_id,) if alert.claim_id else (),
    )
