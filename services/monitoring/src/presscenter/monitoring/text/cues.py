"""Words that show a text reports a refutation rather than spreading a claim, as data.

Phrases are written as people write them (with diacritics); they are matched token by token
with `compatible`, so posts typed without diacritics or with social spellings match too. Doubt
("thật hay giả vậy?", "cần xác minh thêm", "có ai biết thật không?") is not refutation: people
spreading a rumour write that way, and none of those phrases is listed.
"""

from __future__ import annotations

REFUTATION_PHRASES: tuple[str, ...] = (
    # an authority denies it
    "bác bỏ",
    "phủ nhận",
    "đính chính",
    "khẳng định chưa",
    "khẳng định không",
    "chưa có quyết định",
    "không có quyết định",
    "chưa có chủ trương",
    "không có chủ trương",
    "không có kế hoạch",
    "không có chương trình",
    "không có văn bản",
    "không có chuyện",
    "không hề có",
    "thông tin chính thức",
    "nguồn chính thống",
    # it is false
    "sai sự thật",
    "không đúng sự thật",
    "là không đúng",
    "không chính xác",
    "tin giả",
    "thông tin giả",
    "tin đồn",
    "tin thất thiệt",
    "thất thiệt",
    "bịa đặt",
    "xuyên tạc",
    "sai lệch",
    "giả mạo",
    "mạo danh",
    "là giả",
    # warnings against it
    "lừa đảo",
    "thủ đoạn",
    "cảnh giác",
    "không chia sẻ",
    "không nên chia sẻ",
    "chưa được kiểm chứng",
    # things are normal
    "vẫn bình thường",
    "diễn ra bình thường",
    "hoạt động bình thường",
    "đi học bình thường",
    "đảm bảo an toàn",
    "bảo đảm an toàn",
    "đạt chuẩn",
)

# Words that negate what follows them: "không có ổ dịch", "chưa cấm".
NEGATORS: tuple[str, ...] = ("không", "chưa", "chẳng", "chả", "không hề", "chưa hề", "làm gì có", "đâu có")
# Words after which a negator opens a condition, not a denial: "ai chưa đổi căn cước sẽ bị phạt"
# (whoever has not), "nếu không sẽ bị phạt" (if not), "người nào không ...", "hễ không ...".
CONDITIONALS: tuple[str, ...] = ("ai", "nếu", "nào", "hễ")
# Verbs of stopping or forbidding: what follows them a claim says does not happen, so an item that
# negates it says the same ("ngừng tiếp nhận bệnh nhân" / "không nhận bệnh nhân nữa").
CESSATIONS: tuple[str, ...] = ("ngừng", "dừng", "thôi", "tạm dừng", "tạm ngừng", "đình chỉ", "cấm", "đóng cửa")
