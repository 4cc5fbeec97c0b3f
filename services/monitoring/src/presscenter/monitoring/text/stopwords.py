"""Vietnamese function words, as data: they carry no topic and weigh nothing in matching.

Listed with their diacritics: folded, many collide with content words ("đà" in "sông Đà" and
"đã"; "đô" in "thủ đô" and "do"). A token written with diacritics is a stopword only in its
exact accented form; a token typed without any is one only if its fold is in the short list of
folds that are function words whatever the marks (`FOLDED_STOPWORDS`).
"""

from __future__ import annotations

_WORDS = """
    và là của có được cho các những một trong từ với này đó đã sẽ đang bị thì mà ở tại về để vì
    nên như khi nếu hay hoặc cũng còn rất quá lại rồi nữa vẫn chỉ mới nhiều ít ra vào lên xuống
    theo trên dưới sau trước giữa bằng nhé à ơi nhỉ đây kia ấy gì nào sao vậy thế ạ ha hả ừ
    nhưng tuy do bởi cùng các đều chưa đến tới qua thôi luôn ngay vừa hết cả mọi mỗi từng
    này kìa nhé nha thì là
"""
STOPWORDS: frozenset[str] = frozenset(_WORDS.split())

# Folded forms that are function words whatever the diacritics: a word typed bare ("Ha Noi se
# cam") is a stopword only if its fold is one of these. Most folds of function words are also
# folds of content words ("la": là / lạ, "o": ở / ổ, "do": do / đô, "da": đã / Đà), so they stay
# words and weigh what their frequency in the stream says (see `analysis.terms`).
_FOLDED = "va cua nhung duoc cac mot rat nhieu se nhe oi vay neu hoac deu thoi vua nhi ay kia a u nha chang"
FOLDED_STOPWORDS: frozenset[str] = frozenset(_FOLDED.split())
