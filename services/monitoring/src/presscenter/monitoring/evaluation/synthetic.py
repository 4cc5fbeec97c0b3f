"""A synthetic, labelled Vietnamese online-media stream for the monitoring analysis, seeded.

News articles republished by several outlets with boilerplate, social posts sharing their headlines
or text (prefixes, emoji, hashtags, no diacritics, truncation), forum posts, two bursts of a topic,
posts spreading some of the registered claims in paraphrased and restyled forms, official releases
refuting some of them and items reporting those refutations. Nothing from ../shared is used.

`write_stream` writes a stream directory in the format `make eval-monitoring` replays (items,
claims, releases) and, beside it, `claim_labels.jsonl`: for every item the claim it spreads or
reports the refutation of (`claim_id`, `stance`), the answers `claim_scores` checks predictions
against. The replay never reads them. It is what `bench/monitoring_throughput.py` replays for speed
and what the generalisation check replays for quality: claims and paraphrases none of the dev
stream's, many registered claims told alike (one template, other places, numbers or dates).

    python -m presscenter.monitoring.evaluation.synthetic OUT_DIR [--items 20000] [--claims 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HANOI = timezone(timedelta(hours=7))
START = datetime(2026, 11, 2, 0, 0, tzinfo=HANOI)
ITEMS_PER_DAY = 2000  # the dev stream has about 1,770
CLAIM_LABELS = "claim_labels.jsonl"


# --- vocabulary -------------------------------------------------------------------------------

PLACE_NAMES = (
    "Ba Đình",
    "Hoàn Kiếm",
    "Tây Hồ",
    "Long Biên",
    "Cầu Giấy",
    "Đống Đa",
    "Hai Bà Trưng",
    "Hoàng Mai",
    "Thanh Xuân",
    "Hà Đông",
    "Từ Liêm",
    "Cửa Nam",
    "Kim Liên",
    "Văn Miếu",
    "Ngọc Hà",
    "Giảng Võ",
    "Láng Thượng",
    "Phú Diễn",
    "Xuân Đỉnh",
    "Định Công",
    "Vĩnh Tuy",
    "Tương Mai",
    "Yên Hòa",
    "Nghĩa Đô",
    "Phúc Lợi",
    "Bồ Đề",
    "Việt Hưng",
    "Thanh Trì",
    "Gia Lâm",
    "Đông Anh",
    "Sóc Sơn",
    "Sơn Tây",
    "Khương Đình",
    "Phương Liệt",
    "Hoàng Liệt",
    "Yên Sở",
    "Lĩnh Nam",
    "Bạch Mai",
    "Ô Chợ Dừa",
    "Láng",
    "Tây Mỗ",
    "Đại Mỗ",
    "Xuân Phương",
    "Thượng Cát",
    "Đông Ngạc",
    "Phú Thượng",
    "Hồng Hà",
    "Chương Dương",
    "Dương Nội",
    "Kiến Hưng",
    "Phú Lương",
    "Yên Nghĩa",
    "Long Biên",
    "Phúc Đồng",
    "Thạch Bàn",
    "Cự Khối",
    "Bát Tràng",
    "Thư Lâm",
    "Phù Đổng",
    "Thuận An",
    "Quang Minh",
    "Tiến Thắng",
    "Ba Vì",
    "Quảng Oai",
)
STREETS = (
    "Giải Phóng",
    "Nguyễn Trãi",
    "Lê Văn Lương",
    "Kim Mã",
    "Trần Duy Hưng",
    "Láng",
    "Minh Khai",
    "Phạm Văn Đồng",
    "Hoàng Quốc Việt",
    "Xuân Thủy",
    "Nguyễn Xiển",
    "Tây Sơn",
    "Đại Cồ Việt",
    "Lạc Long Quân",
    "Trường Chinh",
    "Lê Duẩn",
    "Bạch Mai",
    "Tam Trinh",
    "Văn Cao",
    "Nghi Tàm",
    "Âu Cơ",
    "Nguyễn Văn Cừ",
    "Ngọc Lâm",
    "Hồ Tùng Mậu",
    "Cầu Diễn",
    "Nguyễn Chí Thanh",
    "Đê La Thành",
    "Hoàng Hoa Thám",
    "Thụy Khuê",
    "Lý Thường Kiệt",
    "Hàng Bài",
    "Tràng Tiền",
    "Lò Đúc",
    "Kim Ngưu",
    "Vĩnh Hưng",
    "Lĩnh Nam",
    "Nguyễn Tam Trinh",
    "Quang Trung",
    "Tô Hiệu",
    "Phùng Hưng",
    "Lê Trọng Tấn",
    "Mỹ Đình",
    "Hàm Nghi",
    "Trần Thái Tông",
    "Tố Hữu",
    "Lê Quang Đạo",
    "Đại lộ Thăng Long",
    "Võ Chí Công",
)
PEOPLE = tuple(
    f"{family} {middle} {given}"
    for family in ("Nguyễn", "Trần", "Lê", "Phạm", "Vũ", "Đỗ", "Hoàng", "Bùi")
    for middle in ("Văn", "Thị", "Quang", "Đức", "Thu", "Minh")
    for given in ("An", "Bình", "Hà", "Hải", "Lan", "Tuấn", "Hương", "Dũng", "Mai", "Sơn")
)
UNITS = ("Sở Y tế", "Sở Xây dựng", "Sở Giáo dục và Đào tạo", "Sở Công Thương", "Công an thành phố",
         "Sở Tài nguyên và Môi trường", "Sở Văn hóa và Thể thao", "Sở Tài chính")  # fmt: skip
NEWS = tuple(f"{name}.vn" for name in (
    "vnexpress", "tuoitre", "thanhnien", "dantri", "vietnamnet", "znews", "laodong", "tienphong",
    "hanoimoi", "kinhtedothi", "anninhthudo", "nhandan", "vov", "vtv", "baotintuc", "nguoihanoi",
))  # fmt: skip
SOCIAL = (
    "facebook.com/groups/cu-dan-thu-do",
    "facebook.com/groups/otofun-ha-noi",
    "facebook.com/pages/ha-noi-pho",
    "facebook.com/groups/review-ha-noi",
    "tiktok.com/@hanoi.today",
    "zalo.me/g/khupho",
    "threads.net/@hanoidaily",
    "youtube.com/@tintuc247",
    "facebook.com/groups/hanoi-24h",
    "tiktok.com/@tinhanoi",
)
FORUMS = ("voz.vn", "otofun.net", "tinhte.vn", "webtretho.com")

ARTICLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Phân luồng giao thông phục vụ thi công trên đường {street}", (
        "Sở Xây dựng Hà Nội cho biết từ ngày {d}/{m} sẽ tổ chức phân luồng giao thông để thi công {work} "
        "trên đường {street2}.",
        "Người dân được khuyến cáo đi theo hướng dẫn của lực lượng chức năng và biển báo tại hiện trường.",
        "Dự kiến công trình hoàn thành sau {n} tháng thi công.",
    )),
    ("Hà Nội khởi công {facility} mới tại phường {place}", (
        "Công trình có tổng mức đầu tư khoảng {n}0 tỷ đồng, dự kiến hoàn thành sau {n2} tháng.",
        "Chủ đầu tư cam kết bảo đảm an toàn, vệ sinh môi trường trong quá trình thi công.",
        "Ông {person}, đại diện {unit}, cho biết kế hoạch đã được chuẩn bị từ tháng {m}.",
    )),
    ("Lễ hội {festival} khai mạc tại phường {place}", (
        "Chiều nay, lễ hội đã khai mạc với sự tham gia của hàng nghìn người dân và du khách.",
        "Ban tổ chức cho biết chương trình kéo dài {n} ngày với nhiều hoạt động trải nghiệm và biểu diễn nghệ thuật.",
        "Đây là lần thứ {n2} hoạt động này được tổ chức trên địa bàn phường {place}.",
    )),
    ("Giá {goods} tại Hà Nội {move}", (
        "Khảo sát tại các chợ {place} cho thấy giá bán lẻ biến động khoảng {n}% so với tuần trước.",
        "Sở Công Thương cho biết nguồn cung hàng hóa dồi dào, không có hiện tượng găm hàng.",
        "Bà {person}, tiểu thương tại chợ, cho biết sức mua những ngày gần đây tăng khoảng {n2}0%.",
    )),
    ("Tuyến buýt số {n}{n2} điều chỉnh lộ trình qua phường {place}", (
        "Trung tâm Quản lý và Điều hành giao thông đô thị thông báo điều chỉnh lộ trình từ ngày {d}/{m}.",
        "Tần suất chạy xe giữ nguyên {n2}0 phút mỗi chuyến trên đường {street}.",
        "Người dân phường {place} bày tỏ sự đồng tình và mong muốn sớm thấy kết quả.",
    )),
    ("{unit} ghi nhận {n}{n2} ca {disease2} trong tuần", (
        "Số ca mắc giảm so với tuần trước, tập trung ở phường {place} và phường {place2}.",
        "Ngành y tế đẩy mạnh phun hóa chất diệt muỗi và vận động người dân loại bỏ bọ gậy.",
        "Trước đó, {unit} đã tổ chức {n} đoàn kiểm tra công tác phòng chống dịch tại các phường.",
    )),
    ("Đội tuyển {sport} Hà Nội giành huy chương {medal}", (
        "Trong trận đấu tối qua tại nhà thi đấu {place}, các vận động viên đã thi đấu quyết tâm.",
        "Ban huấn luyện cho biết đội sẽ tiếp tục tập trung chuẩn bị cho giải đấu khu vực vào tháng {m}.",
    )),
    ("Phường {place} ra mắt mô hình {model}", (
        "Mô hình được triển khai với sự tham gia của người dân địa phương, góp phần xây dựng nếp sống văn minh.",
        "Bà {person}, một người dân sống trên đường {street}, chia sẻ bà thấy thay đổi rõ rệt.",
        "Lãnh đạo phường {place} cho biết sẽ nhân rộng trong thời gian tới nếu đạt hiệu quả.",
    )),
    ("Chỉ số chất lượng không khí tại Hà Nội ở mức {air} sáng nay", (
        "Theo số liệu quan trắc, chỉ số AQI tại trạm phường {place} dao động từ {n}0 đến {n2}0.",
        "Cơ quan chuyên môn khuyến cáo người nhạy cảm hạn chế hoạt động ngoài trời vào sáng sớm.",
    )),
    ("Kiểm tra an toàn phòng cháy tại {n}{n2} cơ sở kinh doanh ở phường {place}", (
        "Đoàn kiểm tra phát hiện nhiều cơ sở chưa trang bị đủ bình chữa cháy và lối thoát hiểm.",
        "Các cơ sở vi phạm được yêu cầu khắc phục trong {n} ngày, sau đó sẽ kiểm tra lại.",
    )),
    ("Hà Nội tuyển sinh lớp 10 năm học mới với {n}{n2} nghìn chỉ tiêu", (
        "Sở Giáo dục và Đào tạo cho biết kỳ thi dự kiến diễn ra vào đầu tháng {m}.",
        "Thí sinh đăng ký nguyện vọng trực tuyến trên cổng tuyển sinh của thành phố.",
    )),
    ("Trồng mới {n}{n2} nghìn cây xanh trên các tuyến phố quận {place}", (
        "Chương trình nhằm tăng diện tích bóng mát và cải thiện cảnh quan đô thị.",
        "Các loài cây được lựa chọn phù hợp với khí hậu và không gian vỉa hè từng tuyến phố.",
    )),
    ("Du lịch Hà Nội đón {n}{n2} vạn lượt khách trong tháng {m}", (
        "Lượng khách quốc tế tăng mạnh, tập trung tại khu phố cổ và các điểm di tích.",
        "Doanh thu từ dịch vụ lưu trú và ăn uống tăng khoảng {n}0% so với cùng kỳ.",
    )),
    ("Tiêm vắc xin sởi cho trẻ em tại {n}{n2} trạm y tế phường", (
        "Trung tâm Kiểm soát bệnh tật thành phố đề nghị phụ huynh đưa trẻ đi tiêm đúng lịch.",
        "Mỗi điểm tiêm đều có bác sĩ khám sàng lọc và theo dõi sau tiêm.",
    )),
    ("Đấu giá quyền sử dụng đất tại xã {place} thu về {n}{n2}0 tỷ đồng", (
        "Phiên đấu giá có {n}{n2} lô đất với giá khởi điểm từ {n} triệu đồng mỗi mét vuông.",
        "Số tiền thu được sẽ nộp vào ngân sách để đầu tư hạ tầng giao thông nông thôn.",
    )),
)  # fmt: skip
FILL: dict[str, tuple[str, ...]] = {
    "work": ("cống thoát nước", "nút giao", "cầu vượt", "đường sắt đô thị", "hầm chui"),
    "facility": ("bệnh viện vệ tinh", "trường học", "công viên", "nhà văn hóa", "bãi đỗ xe ngầm"),
    "festival": ("ẩm thực phố cổ", "làng nghề", "sách mùa thu", "hoa sen", "văn hóa dân gian"),
    "goods": ("rau xanh", "thịt lợn", "xăng dầu", "gạo", "trái cây"),
    "move": ("tăng nhẹ", "ổn định", "giảm mạnh", "đi ngang"),
    "disease2": ("sốt xuất huyết", "tay chân miệng", "cúm mùa", "sởi"),
    "sport": ("bóng đá", "cầu lông", "bóng chuyền", "điền kinh", "bơi lội"),
    "medal": ("vàng", "bạc", "đồng"),
    "model": ("tủ sách cộng đồng", "phố đi bộ", "điểm thu gom rác tái chế", "camera an ninh"),
    "air": ("tốt", "trung bình", "kém", "xấu"),
}
BOILERPLATE = (
    "Số liệu sẽ được cập nhật hằng tuần để người dân tiện theo dõi.",
    "Mời bạn đọc theo dõi các tin tiếp theo.",
    "Thông tin chi tiết được đăng tải trên cổng thông tin điện tử của thành phố.",
    "Nhiều ý kiến đề nghị mở rộng thời gian triển khai sang các tháng cuối năm.",
)
PREFIXES = ("Thật hay giả vậy?:", "Cần xác minh thêm:", "Buồn thật:", "Đáng lo quá:", "NÓNG:", "Xác nhận:",
            "Tin khẩn!", "Nghe nói", "Mọi người ơi,", "Ai ở gần đây không?")  # fmt: skip
SUFFIXES = ("Có ai biết thật không?", "Chia sẻ cho mọi người cùng biết!!!", "Không thể tin được.", "Ai có...",
            "#hanoi #tinnong", "🙏", "😡😱🔥", "⚠️")  # fmt: skip

# --- claims: templates with slots, and the paraphrases people spread ------------------------------

CLAIM_FORMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("{city} cấm hoàn toàn {vehicle} trong {area} từ ngày {d}/{m}", (
        "Nghe tin từ ngày {d} tháng {m} {vehicle} không được chạy trong {area} {city} nữa",
        "Chính thức: {area} {city} cấm {vehicle} hoàn toàn kể từ {d}/{m}, mọi người lưu ý",
    )),
    ("Nước sạch {river} bị nhiễm {pollutant}, người dân {place} không được dùng nước máy", (
        "Nước máy ở {place} nhiễm {pollutant} từ {river}, tuyệt đối không dùng để nấu ăn",
        "Khẩn: nguồn nước {river} nhiễm {pollutant}, bà con {place} đừng dùng nước máy",
    )),
    ("Học sinh {city} được nghỉ học {duration} vì {reason}", (
        "Thông báo: toàn bộ học sinh {city} nghỉ học {duration} do {reason}",
        "Học sinh các cấp ở {city} sẽ nghỉ học {duration} vì {reason}",
    )),
    ("{landmark} sẽ bị tháo dỡ vào {time}", (
        "{time} {landmark} bị phá bỏ, ai muốn chụp ảnh thì tranh thủ",
        "Tiếc quá, {landmark} sắp bị phá dỡ vào {time}",
    )),
    ("Có ổ dịch {disease} ở phường {place}, đã phong tỏa cả khu", (
        "Phong tỏa khu phố ở {place} vì {disease} lây lan, mọi người tránh khu vực này",
        "Tin khẩn! Phát hiện ổ dịch {disease} tại phường {place}, nghe nói đã phong tỏa",
    )),
    ("{city} hỗ trợ mỗi {recipient} {amount}, bấm vào đường link để đăng ký nhận tiền", (
        "Mỗi {recipient} ở {city} được nhận {amount} tiền hỗ trợ, đăng ký online qua đường dẫn",
        "Nhanh tay bấm link đăng ký nhận {amount} hỗ trợ cho mỗi {recipient} của {city}",
    )),
    ("{food} bán ở chợ {market} bị tẩm {chemical} gây ung thư", (
        "Cảnh báo {food} ở chợ {market} tẩm {chemical}, ăn vào gây ung thư",
        "Đừng mua {food} chợ {market} nữa, toàn hàng tẩm {chemical} gây ung thư",
    )),
    ("Từ ngày {d}/{m} người dân {city} phải nộp phí {fee} {amount} mỗi tháng", (
        "Mỗi tháng dân {city} sẽ phải đóng {amount} phí {fee} kể từ {d}/{m}",
        "Bắt đầu từ {d}/{m} ai ở {city} cũng phải nộp {amount} tiền phí {fee} hằng tháng",
    )),
    ("Bệnh viện {hospital} ngừng tiếp nhận bệnh nhân từ ngày {d}/{m} vì {reason2}", (
        "Nghe nói bệnh viện {hospital} không nhận bệnh nhân nữa từ {d}/{m} do {reason2}",
        "Bệnh viện {hospital} đóng cửa khám bệnh kể từ {d}/{m} vì {reason2}",
    )),
    ("Giá {commodity} tại {city} sẽ tăng gấp {k} lần từ tháng {m}", (
        "Từ tháng {m} giá {commodity} ở {city} tăng gấp {k} lần, mọi người tích trữ ngay",
        "Sắp tới {commodity} {city} lên giá gấp {k} lần kể từ tháng {m}",
    )),
    ("Uống {drink} mỗi sáng chữa khỏi {illness} chỉ sau {duration}", (
        "Bác sĩ mách: {drink} uống lúc đói trị dứt điểm {illness} trong {duration}",
        "Không cần thuốc, chỉ cần {drink} là hết {illness}, ai cũng nên thử",
    )),
    ("Ngân hàng {bank} sắp phá sản, người gửi tiền nên rút hết trước {weekday}", (
        "Tin nội bộ: {bank} sắp đóng cửa, rút tiền gấp trước {weekday} kẻo mất trắng",
        "Ai có tiền gửi ở {bank} thì rút ngay, nghe nói ngân hàng sắp vỡ nợ",
    )),
    ("Trường {school} cho học sinh nghỉ vì phát hiện {danger} trong khuôn viên", (
        "Phụ huynh hoang mang vì trường {school} có {danger}, học sinh được cho về nhà",
        "Nghe nói {danger} xuất hiện ở trường {school}, cả trường phải nghỉ học",
    )),
    ("Camera phạt nguội sẽ phạt cả người đi bộ qua đường sai luật từ {d}/{m}", (
        "Từ {d}/{m} đi bộ sang đường không đúng chỗ cũng bị camera phạt nguội",
        "Chính thức phạt nguội người đi bộ kể từ {d}/{m}, mức phạt rất nặng",
    )),
    ("Tàu điện {line} ngừng chạy vĩnh viễn vì {flaw}", (
        "Tuyến {line} sẽ dừng hoạt động luôn do {flaw}, ai đi làm bằng tàu thì chuẩn bị",
        "Nghe nói {line} bị đóng cửa vĩnh viễn vì {flaw}",
    )),
    ("Sữa {brand} bán trên thị trường bị làm giả, uống vào gây {harm}", (
        "Cảnh báo sữa {brand} giả tràn lan, trẻ uống vào bị {harm}",
        "Đừng mua sữa {brand} nữa, hàng giả gây {harm} cho trẻ",
    )),
    ("Động đất mạnh {magnitude} độ sẽ xảy ra ở Hà Nội vào {weekday} tới", (
        "Dự báo {weekday} tới Hà Nội có động đất {magnitude} độ, mọi người chuẩn bị sơ tán",
        "Chuyên gia nước ngoài cảnh báo động đất {magnitude} độ tại thủ đô ngay {weekday} này",
    )),
    ("Công viên {park} sẽ bị san lấp để xây {building}", (
        "Nghe tin công viên {park} sắp bị lấp để làm {building}, tiếc quá",
        "Thành phố cho phép xây {building} trên đất công viên {park}",
    )),
    ("Người dân phải đổi căn cước trước {d}/{m} nếu không sẽ bị phạt {amount}", (
        "Hạn chót đổi căn cước là {d}/{m}, quá hạn phạt {amount}",
        "Ai chưa đổi căn cước trước ngày {d}/{m} sẽ bị phạt tới {amount}",
    )),
    ("Muỗi {mosquito} mang virus lạ xuất hiện ở {place}, đốt là phải nhập viện", (
        "Phát hiện muỗi {mosquito} có virus lạ tại {place}, mọi người cẩn thận",
        "Ở {place} có loại muỗi {mosquito} đốt phải đi viện ngay",
    )),
)  # fmt: skip
CLAIM_FILL: dict[str, tuple[str, ...]] = {
    "city": ("Hà Nội", "thủ đô", "thành phố"),
    "vehicle": ("xe máy", "ô tô cá nhân", "xe ba gác", "xe điện", "xe tải nhỏ"),
    "area": ("nội thành", "nội đô", "khu phố cổ", "vành đai 2", "vành đai 3"),
    "river": ("sông Đà", "sông Đuống", "sông Hồng", "hồ Hòa Bình"),
    "pollutant": ("dầu", "thủy ngân", "asen", "chì", "hóa chất độc"),
    "duration": ("cả tuần", "hai tuần", "đến hết tháng", "ba ngày"),
    "reason": ("rét đậm", "ô nhiễm không khí", "dịch cúm", "mưa bão", "nắng nóng"),
    "landmark": (
        "cầu Long Biên",
        "chợ Đồng Xuân",
        "nhà hát Lớn",
        "tháp nước Hàng Đậu",
        "ga Hà Nội",
        "chợ Long Biên",
        "cầu Chương Dương",
        "nhà tù Hỏa Lò",
    ),
    "time": ("cuối năm nay", "tháng sau", "đầu năm tới", "quý tới"),
    "disease": ("bệnh lạ", "sốt xuất huyết biến chủng", "cúm gia cầm", "viêm phổi lạ", "bạch hầu"),
    "recipient": ("gia đình", "hộ dân", "người cao tuổi", "học sinh", "người lao động"),
    "amount": ("5 triệu đồng", "2 triệu đồng", "500 nghìn đồng", "10 triệu đồng", "3 triệu đồng"),
    "food": ("giá đỗ", "cá khô", "măng", "thịt bò", "rau muống", "trà sữa"),
    "market": ("Long Biên", "Đồng Xuân", "Hôm", "Mơ", "Thành Công", "Nghĩa Tân"),
    "chemical": ("hóa chất tẩy trắng", "chất bảo quản độc", "thuốc trừ sâu", "phẩm màu công nghiệp"),
    "fee": ("vỉa hè", "môi trường", "chiếu sáng", "an ninh"),
    "hospital": ("Bạch Mai", "Việt Đức", "Thanh Nhàn", "Xanh Pôn", "Đống Đa", "Hà Đông"),
    "reason2": ("quá tải", "thiếu thuốc", "sửa chữa", "dịch bệnh"),
    "commodity": ("điện", "nước sạch", "gạo", "xăng", "gas"),
    "k": ("hai", "ba", "năm"),
    "drink": ("nước chanh ấm", "giấm táo", "nước lá ổi", "trà gừng mật ong", "nước mướp đắng"),
    "illness": ("tiểu đường", "cao huyết áp", "ung thư dạ dày", "gout", "viêm gan"),
    "bank": ("SCB", "Đông Á", "Bảo Việt", "Nam Á", "Bắc Á", "Việt Á"),
    "weekday": ("thứ hai", "thứ sáu", "cuối tuần", "chủ nhật"),
    "school": ("Tiểu học Kim Đồng", "THCS Trưng Vương", "THPT Chu Văn An", "Tiểu học Đoàn Thị Điểm"),
    "danger": ("rắn độc", "khí độc", "hố sụt", "vật liệu nổ"),
    "line": ("Cát Linh - Hà Đông", "Nhổn - ga Hà Nội", "số 2A", "số 3"),
    "flaw": ("nứt dầm cầu", "hỏng hệ thống điện", "lún nền móng", "thua lỗ"),
    "brand": ("Ông Thọ", "Cô Gái Hà Lan", "Mộc Châu", "Ba Vì"),
    "harm": ("ngộ độc", "suy thận", "dậy thì sớm", "tiêu chảy cấp"),
    "magnitude": ("7", "7,5", "8", "6,8"),
    "park": ("Thống Nhất", "Bách Thảo", "Cầu Giấy", "Hòa Bình", "Yên Sở"),
    "building": ("chung cư cao tầng", "trung tâm thương mại", "bãi đỗ xe", "khách sạn"),
    "mosquito": ("vằn", "Anopheles", "khổng lồ", "đốm trắng"),
}
OFFICIAL_ADVICE = "Người dân chỉ theo dõi thông tin từ các nguồn chính thống và không chia sẻ tin chưa được kiểm chứng."
REFUTATIONS = (
    "{unit} bác bỏ thông tin {claim}",
    "{unit}: thông tin {claim} là không đúng sự thật",
    "Thông tin {claim} là tin giả, người dân cảnh giác",
)

Row = dict[str, Any]


def fill(template: str, rng: random.Random, slots: dict[str, str]) -> str:
    """`template` with its slots from `slots`, drawn into it on first use."""
    out, rest = [], template
    while "{" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        if name not in slots:
            slots[name] = draw(name, rng)
        out += [head, slots[name]]
    return "".join([*out, rest])


def draw(name: str, rng: random.Random) -> str:
    if name in CLAIM_FILL:
        return rng.choice(CLAIM_FILL[name])
    if name in FILL:
        return rng.choice(FILL[name])
    picks: dict[str, Callable[[], str]] = {
        "place": lambda: rng.choice(PLACE_NAMES), "place2": lambda: rng.choice(PLACE_NAMES),
        "street": lambda: rng.choice(STREETS), "street2": lambda: rng.choice(STREETS),
        "person": lambda: rng.choice(PEOPLE), "unit": lambda: rng.choice(UNITS),
        "d": lambda: str(rng.randint(1, 28)), "m": lambda: str(rng.randint(1, 12)),
        "n": lambda: str(rng.randint(2, 39)), "n2": lambda: str(rng.randint(1, 9)),
    }  # fmt: skip
    return picks[name]()


def bare(text: str) -> str:
    """`text` typed without diacritics (case kept)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def restyle(text: str, rng: random.Random, strength: float = 1.0) -> str:
    """How social posts restyle what they pass on: a prefix, a remark, emoji, case, no marks, cuts."""
    text = text.rstrip(".")
    if rng.random() < 0.25 * strength:
        words = text.split()
        text = " ".join(words[: max(6, int(len(words) * rng.uniform(0.6, 0.9)))]) + "..."
    if rng.random() < 0.3 * strength:
        text = bare(text)
    if rng.random() < 0.1 * strength:
        text = text.upper()
    if rng.random() < 0.5 * strength:
        text = f"{rng.choice(PREFIXES)} {text}"
    if rng.random() < 0.5 * strength:
        text = f"{text} {rng.choice(SUFFIXES)}"
    return text


class StreamBuilder:
    """Rows of items, claims and releases of one synthetic stream, in no particular order."""

    def __init__(self, seed: int, n_claims: int, span: timedelta):
        self.rng = random.Random(seed)
        self.span = span
        self.items: list[Row] = []
        self.releases: list[Row] = []
        self.claims = self._claims(n_claims)
        self._urls: list[str] = []
        self.labels: dict[str, tuple[str, str]] = {}  # item id -> (claim id, "spread" or "refute")

    def _claims(self, n: int) -> list[tuple[Row, int, dict[str, str]]]:
        """`n` distinct claims: (row, form number, slot values) for generating their paraphrases."""
        seen: set[str] = set()
        out: list[tuple[Row, int, dict[str, str]]] = []
        while len(out) < n:
            form = self.rng.randrange(len(CLAIM_FORMS))
            slots: dict[str, str] = {}
            text = fill(CLAIM_FORMS[form][0], self.rng, slots)
            text = text[0].upper() + text[1:]
            if text in seen:
                continue
            seen.add(text)
            row = {"claim_id": f"C-{len(out):04d}", "text": text, "rating": "false", "topic": None,
                   "unit": self.rng.choice(UNITS), "refuted_by_release": None}  # fmt: skip
            out.append((row, form, slots))
        return out

    def _at(self, share: float = 1.0) -> datetime:
        """A time in the first `share` of the stream's span."""
        return START + timedelta(seconds=self.rng.uniform(0, self.span.total_seconds() * share))

    def _item(
        self,
        kind: str,
        source: str,
        title: str,
        text: str,
        at: datetime,
        shared_from: str | None,
        claim: tuple[str, str] | None = None,
    ) -> str:
        """Add an item; `claim`: the claim it spreads or reports the refutation of, and which."""
        n = len(self.items)
        url = f"https://{source}/{n:08x}"
        engagement = {"shares": self.rng.randint(0, 60), "comments": self.rng.randint(0, 40),
                      "reactions": self.rng.randint(0, 300)}  # fmt: skip
        self.items.append({
            "id": f"b{n:07d}", "source": source, "source_type": kind, "url": url, "title": title, "text": text,
            "published_at": at.isoformat(), "lang": "vi", "engagement": engagement, "shared_from": shared_from,
        })  # fmt: skip
        self._urls.append(url)
        if claim is not None:
            self.labels[self.items[-1]["id"]] = claim
        return url

    def article(self) -> None:
        """A news story: published by 1-5 outlets (boilerplate varies), shared by social posts and forums."""
        rng = self.rng
        title_t, body_t = rng.choice(ARTICLES)
        slots: dict[str, str] = {}
        title = fill(title_t, rng, slots)
        body = [fill(s, rng, slots) for s in body_t]
        at = self._at()
        origin = None
        for outlet in rng.sample(NEWS, rng.randint(1, 5)):
            text = " ".join(body + rng.sample(BOILERPLATE, rng.randint(0, 3)))
            url = self._item("news", outlet, title, text, at, None)
            origin = origin or url
            at += timedelta(minutes=rng.uniform(2, 90))
        for _ in range(rng.choices((0, 1, 2, 4), (4, 3, 2, 1))[0]):
            at += timedelta(minutes=rng.uniform(1, 120))
            shared = restyle(title if rng.random() < 0.7 else body[0], rng)
            kind, source = ("forum", rng.choice(FORUMS)) if rng.random() < 0.15 else ("social", rng.choice(SOCIAL))
            self._item(kind, source, "", shared, at, origin if rng.random() < 0.6 else None)

    def chatter(self) -> None:
        """A social or forum post of its own (not sharing anything)."""
        rng = self.rng
        _title, body_t = rng.choice(ARTICLES)
        slots: dict[str, str] = {}
        text = f"{rng.choice(PREFIXES)} {fill(rng.choice(body_t), rng, slots)} {rng.choice(SUFFIXES)}"
        kind, source = ("forum", rng.choice(FORUMS)) if rng.random() < 0.3 else ("social", rng.choice(SOCIAL))
        self._item(kind, source, "", restyle(text, rng, 0.4), self._at(), None)

    def burst(self, topic: tuple[str, ...], at: datetime, count: int) -> None:
        """Many sources writing about one thing within a few hours, in their own words."""
        rng = self.rng
        for _ in range(count):
            slots: dict[str, str] = {}
            text = fill(rng.choice(topic), rng, slots)
            when = at + timedelta(minutes=rng.uniform(0, 150))
            if rng.random() < 0.3:
                self._item("news", rng.choice(NEWS), text, fill(rng.choice(topic), rng, slots) + ".", when, None)
            else:
                self._item("social", rng.choice(SOCIAL), "", restyle(text, rng, 0.6), when, None)

    def rumour(self, claim: tuple[Row, int, dict[str, str]], count: int, refuted: bool) -> None:
        """Posts spreading one claim (its text or a paraphrase, restyled), then its refutation if any."""
        rng = self.rng
        row, form, slots = claim
        spreads, reports = (row["claim_id"], "spread"), (row["claim_id"], "refute")
        start = self._at(0.9)
        first_url = None
        for _ in range(count):
            told = row["text"] if rng.random() < 0.4 else fill(rng.choice(CLAIM_FORMS[form][1]), rng, dict(slots))
            when = start + timedelta(minutes=rng.uniform(0, 600))
            if rng.random() < 0.2:
                comment = "Phóng viên đang liên hệ cơ quan chức năng để xác minh."
                self._item("news", rng.choice(NEWS), told, f"{told}. {comment}", when, None, spreads)
            else:
                kind, source = ("forum", rng.choice(FORUMS)) if rng.random() < 0.2 else ("social", rng.choice(SOCIAL))
                url = self._item(kind, source, "", restyle(told, rng), when, first_url, spreads)
                first_url = first_url or url
        if not refuted:
            return
        release_at = start + timedelta(minutes=rng.uniform(300, 700))
        claim_text = row["text"][0].lower() + row["text"][1:]
        title = fill(rng.choice(REFUTATIONS), rng, {"unit": row["unit"], "claim": claim_text})
        release_id = f"R-{row['claim_id']}"
        body = f"{title}. {OFFICIAL_ADVICE}"
        self.releases.append({"release_id": release_id, "unit": row["unit"], "title": title, "body": body,
                              "published_at": release_at.isoformat(), "refutes": row["claim_id"]})  # fmt: skip
        for _ in range(rng.randint(3, 8)):
            when = release_at + timedelta(minutes=rng.uniform(5, 240))
            if rng.random() < 0.6:
                self._item("news", rng.choice(NEWS), title, body, when, None, reports)
            else:
                self._item("social", rng.choice(SOCIAL), "", restyle(title, rng, 0.3), when, None, reports)


BURSTS = (
    ("Đường {street} ngập quá trời luôn mọi người ơi, tránh đi lối này",
     "Mưa lớn thế này phường {place} lại ngập rồi",
     "Hà Nội: Đường {street} ngập nặng sau trận mưa lớn chiều nay",
     "Nước ngập quá đầu gối trên đường {street}, nhiều xe máy chết máy phải dắt bộ"),
    ("Cháy chung cư mini ở phường {place}, khói bốc cao nghi ngút",
     "Vụ cháy chung cư mini trên đường {street} khiến nhiều người phải sơ tán",
     "Lực lượng cứu hỏa đang dập đám cháy chung cư mini tại phường {place}"),
)  # fmt: skip


def build_stream(n_items: int, n_claims: int, seed: int, days: float | None = None) -> StreamBuilder:
    """`n_items` items over `days` (default: ITEMS_PER_DAY a day): ~10% spreading 5% of the claims,
    ~4% in two bursts, the rest news and chatter."""
    span = timedelta(days=days if days is not None else max(1.0, n_items / ITEMS_PER_DAY))
    builder = StreamBuilder(seed, n_claims, span)
    rng = builder.rng
    spreading = rng.sample(builder.claims, max(1, n_claims // 20))
    per_claim = max(3, int(n_items * 0.10 / len(spreading)))
    for number, claim in enumerate(spreading):
        builder.rumour(claim, rng.randint(per_claim // 2, per_claim * 3 // 2), refuted=number % 2 == 0)
    for number, topic in enumerate(BURSTS):
        builder.burst(topic, START + span * (0.3 + 0.4 * number), max(20, n_items // 50))
    while len(builder.items) < n_items:
        builder.article() if rng.random() < 0.8 else builder.chatter()
    builder.items = builder.items[:n_items]
    return builder


def write_stream(builder: StreamBuilder, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    items = sorted(builder.items, key=lambda r: r["published_at"])
    labels = []
    for row in items:
        claim_id, stance = builder.labels.get(row["id"], (None, None))
        labels.append({"id": row["id"], "claim_id": claim_id, "stance": stance})
    files = {
        "items.jsonl": items,
        "claims.jsonl": [c[0] for c in builder.claims],
        "releases.jsonl": builder.releases,
        CLAIM_LABELS: labels,
    }
    for name, rows in files.items():
        with (out / name).open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m presscenter.monitoring.evaluation.synthetic", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=float, help=f"event-time span (default: {ITEMS_PER_DAY} items a day)")
    args = parser.parse_args(argv)
    builder = build_stream(args.items, args.claims, args.seed, args.days)
    write_stream(builder, args.out)
    print(f"{len(builder.items)} items, {len(builder.claims)} claims, {len(builder.releases)} releases "
          f"(seed {args.seed}) -> {args.out}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
