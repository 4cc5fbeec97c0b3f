"""Claim matching: paraphrases, posts without diacritics, truncation and commentary match; unrelated
news does not; items that report the refutation are not flagged as spreading the claim."""

from __future__ import annotations

import pytest

from presscenter.monitoring.analysis.claims import Claim, ClaimHit, ClaimMatcher, ClaimSettings
from presscenter.monitoring.analysis.fingerprint import fingerprint
from presscenter.monitoring.analysis.refutation import cues_in, negated_claim_words
from presscenter.monitoring.analysis.terms import TermStats
from presscenter.monitoring.text import tokenize

MOTORBIKES = Claim("C-xe-may", "Hà Nội cấm hoàn toàn xe máy trong nội thành từ ngày 1/7", "so-xd", topic="giao thông")
SCAM = Claim("C-ho-tro", "Thành phố phát tiền hỗ trợ 5 triệu đồng cho mỗi hộ dân, đăng ký qua đường link", "ca-hn")
OUTBREAK = Claim("C-dich", "Phát hiện ổ dịch bệnh lạ ở phường Cửa Nam, phong tỏa toàn bộ khu phố", "so-yte")
BACKGROUND = [
    "Tuyến buýt số 19 điều chỉnh lộ trình qua phường Thanh Xuân từ ngày 27/9",
    "Hà Nội khởi công bãi đỗ xe ngầm mới tại phường Hai Bà Trưng, tổng mức đầu tư 470 tỷ đồng",
    "Lễ hội ẩm thực phố cổ khai mạc tại phường Hoàn Kiếm với hàng nghìn người dân và du khách",
    "Sở Y tế Hà Nội ghi nhận 63 ca sốt xuất huyết trong tuần, tập trung ở phường Ô Chợ Dừa",
    "Giá xăng dầu tại Hà Nội ổn định, Sở Công Thương cho biết nguồn cung dồi dào",
    "Hội nghị xúc tiến đầu tư thu hút 481 doanh nghiệp trong và ngoài nước",
]


@pytest.fixture
def matcher() -> ClaimMatcher:
    terms = TermStats()
    for text in BACKGROUND * 3:
        terms.add(t.key for t in tokenize(text) if t.is_content)
    m = ClaimMatcher(terms)
    for claim in (MOTORBIKES, SCAM, OUTBREAK):
        m.register(claim)
    return m


def hit(matcher: ClaimMatcher, text: str, title: str = "") -> ClaimHit | None:
    fp = fingerprint(title, text)
    return matcher.match((fp.title, fp.body) if fp.title else (fp.body,), fp.tokens)


@pytest.mark.parametrize(
    ("text", "claim_id"),
    [
        ("Từ 1/7 Hà Nội cấm hoàn toàn xe máy đi vào nội thành, ai vi phạm phạt nặng", "C-xe-may"),
        ("Tin khan! Tu 1/7 Ha Noi cam hoan toan xe may di vao noi thanh, ai vi pham phat nang 😡", "C-xe-may"),
        ("Thật hay giả vậy?: HN cấm hoàn toàn xe máy trong nội thành từ 1 tháng 7. Có ai biết thật không?", "C-xe-may"),
        ("Hà Nội cấm hoàn toàn xe máy trong nội thành từ...", "C-xe-may"),
        ("Hà Nội hỗ trợ mỗi hộ dân 5.000.000đ, đăng ký qua đường link để nhận tiền", "C-ho-tro"),
        ("Mọi người chia sẻ gấp: tp phat tien ho tro 5tr cho moi ho dan, dang ky qua link", "C-ho-tro"),
        ("Xác nhận: Bệnh lạ xuất hiện tại phường Cửa Nam, phong tỏa toàn bộ khu phố", "C-dich"),
    ],
)
def test_items_spreading_a_claim_match_it_whatever_their_styling(
    matcher: ClaimMatcher, text: str, claim_id: str
) -> None:
    found = hit(matcher, text)
    assert found is not None, text
    assert (found.claim_id, found.stance) == (claim_id, "spread")
    assert 0.55 <= found.score <= 1.0


def test_a_claim_inside_a_news_article_matches_by_its_window(matcher: ClaimMatcher) -> None:
    title = "Từ 1/7 Hà Nội cấm hoàn toàn xe máy đi vào nội thành"
    body = f"{title}, ai vi phạm phạt nặng. Phóng viên đang liên hệ cơ quan chức năng để xác minh."
    found = hit(matcher, body, title)
    assert found is not None and found.claim_id == "C-xe-may" and found.stance == "spread"


@pytest.mark.parametrize(
    "text",
    [
        "Hà Nội khởi công bãi đỗ xe ngầm mới tại phường Hai Bà Trưng, hoàn thành sau 19 tháng",
        "Đội tuyển cầu lông Hà Nội giành vé vào chung kết",
        "Tuyến buýt số 10 điều chỉnh lộ trình qua phường Long Biên từ ngày 6/1",
        "Hà Nội tổ chức hội nghị xúc tiến đầu tư công nghiệp hỗ trợ với 134 doanh nghiệp",
        "Hà Nội khởi công bệnh viện vệ tinh mới tại phường Cửa Nam",
    ],
)
def test_unrelated_news_sharing_some_words_does_not_match(matcher: ClaimMatcher, text: str) -> None:
    assert hit(matcher, text) is None


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("Sở Xây dựng Hà Nội bác bỏ thông tin cấm hoàn toàn xe máy trong nội thành từ ngày 1/7", "cue:bác bỏ"),
        ("Thong tin Ha Noi cam xe may tu 1/7 la sai su that, nguoi dan khong nen chia se", "cue:sai sự thật"),
        ("Hà Nội khẳng định chưa có quyết định cấm xe máy trong nội thành từ 1/7", "cue:khẳng định chưa"),
        ("Không có chuyện Hà Nội cấm hoàn toàn xe máy trong nội thành từ 1/7", "cue:không có chuyện"),
        ("Tin đồn Hà Nội cấm hoàn toàn xe máy trong nội thành từ 1/7 là không đúng", "cue:tin đồn"),
        ("Sở Y tế: không có ổ dịch bệnh lạ và không phong tỏa khu phố nào ở phường Cửa Nam", "negated:ổ"),
        ("Công an thành phố cảnh báo thủ đoạn lừa đảo hỗ trợ 5 triệu đồng qua đường link", "cue:lừa đảo"),
    ],
)
def test_items_reporting_the_refutation_are_not_flagged(matcher: ClaimMatcher, text: str, signal: str) -> None:
    found = hit(matcher, text)
    assert found is not None, "a refutation still matches the claim it refutes"
    assert found.stance == "refute" and signal in found.signals


def test_a_refutation_phrase_the_claim_itself_uses_is_not_a_refutation() -> None:
    terms = TermStats()
    m = ClaimMatcher(terms)
    m.register(Claim("C-lua-dao", "Ngân hàng X lừa đảo khách hàng, chiếm đoạt tiền gửi tiết kiệm", "so-tc"))
    fp = fingerprint("", "Nóng: ngân hàng X lừa đảo khách hàng, chiếm đoạt tiền gửi tiết kiệm!!!")
    found = m.match((fp.body,), fp.tokens)
    assert found is not None and found.stance == "spread"


def test_an_official_statement_makes_its_restatements_refutations(matcher: ClaimMatcher) -> None:
    text = "UBND thành phố: việc cấm xe máy trong nội thành từ ngày 1/7 mới là đề xuất để nghiên cứu"
    before = hit(matcher, text)
    assert before is None or before.stance == "spread"
    matcher.add_statement("C-xe-may", "UBND thành phố: việc cấm xe máy trong nội thành mới là đề xuất để nghiên cứu")
    after = hit(matcher, text)
    assert after is not None and after.stance == "refute" and "statement" in after.signals
    # the statement restates the claim, but an item without its denying words still spreads the claim
    spread = hit(matcher, "Từ 1/7 Hà Nội cấm hoàn toàn xe máy đi vào nội thành, ai vi phạm phạt nặng")
    assert spread is not None and spread.stance == "spread"


def test_learned_variants_catch_truncated_copies_of_a_paraphrase() -> None:
    matcher = ClaimMatcher(TermStats(), ClaimSettings(learn_threshold=0.55))
    matcher.register(MOTORBIKES)
    full = "Nghe tin từ ngày 1 tháng 7 xe máy không được chạy trong nội thành Hà Nội nữa, ai vi phạm bị cấm đi"
    short = "Nghe tin tu ngay 1 thang 7 xe may khong duoc chay trong noi thanh..."
    learned = hit(matcher, full)
    assert learned is not None and learned.stance == "spread"
    before = hit(matcher, short)
    assert matcher.learn(learned)
    after = hit(matcher, short)
    assert after is not None and after.claim_id == "C-xe-may"
    assert before is None or after.score >= before.score
    assert any(r.kind == "variant" for r in matcher.references("C-xe-may"))


def test_cues_and_negations_are_found_in_text_typed_without_diacritics() -> None:
    assert "tin giả" in cues_in(tokenize("Thong tin phong toa phuong Cua Nam la tin gia #hanoi"))
    assert "thật hay giả" not in cues_in(tokenize("Thật hay giả vậy?: phong tỏa Cửa Nam"))
    claim = tokenize("Nước sạch sông Đà bị nhiễm dầu, người dân không được dùng nước máy")
    assert negated_claim_words(tokenize("dân Hà Đông tuyệt đối không dùng nước máy"), claim) == []
    assert negated_claim_words(tokenize("kết quả kiểm nghiệm cho thấy nước không nhiễm dầu"), claim) == ["nhiễm"]


def test_changing_or_forgetting_a_claim_updates_the_index(matcher: ClaimMatcher) -> None:
    matcher.register(Claim("C-xe-may", "Cầu Long Biên sẽ bị phá dỡ vào cuối năm nay", "so-vhtt"))
    assert hit(matcher, "Từ 1/7 Hà Nội cấm hoàn toàn xe máy đi vào nội thành") is None
    found = hit(matcher, "Tiếc quá, cầu Long Biên sẽ bị phá dỡ vào cuối năm nay")
    assert found is not None and found.claim_id == "C-xe-may"
    matcher.forget("C-xe-may")
    assert hit(matcher, "Tiếc quá, cầu Long Biên sẽ bị phá dỡ vào cuối năm nay") is None
    assert "C-xe-may" not in matcher


BRIDGE_SOON = Claim("C-cau-thang-sau", "Cầu Long Biên sẽ bị tháo dỡ vào tháng sau", "so-gtvt")
BRIDGE_NEXT_YEAR = Claim("C-cau-nam-sau", "Cầu Long Biên sẽ bị tháo dỡ vào năm sau", "so-gtvt")
# what both claims share, cut off before the words that tell them apart
CUT_SHORT = "Thật hay giả vậy?: Cau Long Bien se bi thao do vao..."


def _two_bridge_claims() -> ClaimMatcher:
    matcher = ClaimMatcher(TermStats(), ClaimSettings(learn_threshold=0.55))
    matcher.register(BRIDGE_SOON)
    matcher.register(BRIDGE_NEXT_YEAR)
    return matcher


@pytest.mark.parametrize("spreading", [BRIDGE_SOON, BRIDGE_NEXT_YEAR])
def test_a_post_cut_short_where_two_claims_agree_goes_to_the_one_spreading_now(spreading: Claim) -> None:
    matcher = _two_bridge_claims()
    told = hit(matcher, spreading.text)
    assert told is not None and told.claim_id == spreading.claim_id and told.stance == "spread"
    matcher.spread_seen(told.claim_id)
    found = hit(matcher, CUT_SHORT)
    assert found is not None and found.claim_id == spreading.claim_id


def test_a_window_two_claims_share_is_not_learned_as_a_way_of_telling_either() -> None:
    matcher = _two_bridge_claims()
    cut_short = hit(matcher, CUT_SHORT)
    assert cut_short is not None and cut_short.stance == "spread" and cut_short.score >= 0.55
    assert not matcher.learn(cut_short)
    for claim in (BRIDGE_SOON, BRIDGE_NEXT_YEAR):
        assert [r.kind for r in matcher.references(claim.claim_id)] == ["claim"]
    # the full text of either claim still goes to that claim, not to a variant of the other
    for claim in (BRIDGE_SOON, BRIDGE_NEXT_YEAR):
        found = hit(matcher, claim.text.upper())
        assert found is not None and found.claim_id == claim.claim_id
    # a window only one claim has is learned as before
    distinct = hit(matcher, "Nghe nói cầu Long Biên sẽ bị tháo dỡ vào năm sau, ai muốn chụp ảnh thì tranh thủ")
    assert distinct is not None and distinct.claim_id == BRIDGE_NEXT_YEAR.claim_id
    assert matcher.learn(distinct)


GIANT_MOSQUITO = Claim("C-muoi", "Muỗi khổng lồ mang virus lạ xuất hiện ở Phú Thượng, đốt là phải nhập viện", "so-yte")
ID_CARDS = Claim("C-can-cuoc", "Người dân phải đổi căn cước trước 11/9 nếu không sẽ bị phạt 3 triệu đồng", "ca-hn")
HOSPITAL = Claim("C-benh-vien", "Bệnh viện Bạch Mai ngừng tiếp nhận bệnh nhân từ ngày 11/4 vì thiếu thuốc", "so-yte")


@pytest.mark.parametrize(
    ("claim", "text", "stance"),
    [
        # without marks, the claim's "khổng lồ" (giant) is spelled as "không lo" (do not worry)
        (GIANT_MOSQUITO, "MUOI KHONG LO MANG VIRUS LA XUAT HIEN O PHU THUONG, DOT LA PHAI NHAP VIEN 😱", "spread"),
        (GIANT_MOSQUITO, "muoi khong lo mang virus la xuat hien o Phu Thuong, dot la phai nhap vien", "spread"),
        (GIANT_MOSQUITO, "Sở Y tế khẳng định không có muỗi khổng lồ mang virus lạ ở Phú Thượng", "refute"),
        # "ai chưa đổi" (whoever has not changed) opens a condition: it denies nothing
        (ID_CARDS, "Mọi người ơi, Ai chưa đổi căn cước trước ngày 11/9 sẽ bị phạt tới 3 triệu đồng", "spread"),
        (ID_CARDS, "Công an khẳng định dân sẽ không bị phạt 3 triệu đồng nếu chưa đổi căn cước trước 11/9", "refute"),
        # what a claim says stops, an item saying it does not happen any more says the same
        (HOSPITAL, "Nghe nói bệnh viện Bạch Mai không nhận bệnh nhân nữa từ 11/4 do thiếu thuốc 😡", "spread"),
        (HOSPITAL, "Bệnh viện Bạch Mai không ngừng tiếp nhận bệnh nhân, thông tin thiếu thuốc là bịa đặt", "refute"),
    ],
)  # fmt: skip
def test_a_negator_is_a_denial_only_where_it_says_the_claim_is_not_so(claim: Claim, text: str, stance: str) -> None:
    matcher = ClaimMatcher(TermStats())
    matcher.register(claim)
    found = hit(matcher, text)
    assert found is not None and found.claim_id == claim.claim_id and found.stance == stance
