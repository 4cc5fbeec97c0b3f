"""HMAC webhook signatures: round trip, tampering, rotation, clock tolerance, replay, header forms."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from presscenter.shared.signing import (
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    BadSignature,
    MalformedHeader,
    MissingHeader,
    NonceCache,
    ReplayedNonce,
    SignatureError,
    TimestampOutOfTolerance,
    sign,
    verify,
)

BODY = '{"uri":"urn:presscenter:release:r-1","headline":"Hà Nội"}'.encode()
NOW = 1_750_000_000.0
NONCE = "0123456789abcdef0123456789abcdef"


class Clock:
    def __init__(self, now: float = NOW):
        self.now = now

    def __call__(self) -> float:
        return self.now


def check(body: bytes, headers: dict[str, str], secrets: list[str], now: float = NOW, cache: NonceCache | None = None):
    return verify(body, headers, secrets, now=now, seen_nonce=cache if cache is not None else NonceCache(Clock(now)))


def test_round_trip_and_the_documented_format() -> None:
    headers = sign(BODY, "s3cret", now=NOW, nonce=NONCE)
    expected = hmac.new(b"s3cret", f"{int(NOW)}.{NONCE}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert headers == {TIMESTAMP_HEADER: str(int(NOW)), NONCE_HEADER: NONCE, SIGNATURE_HEADER: f"v1={expected}"}
    verified = check(BODY, headers, ["s3cret"])
    assert (verified.timestamp, verified.nonce, verified.secret_index) == (int(NOW), NONCE, 0)


def test_default_nonce_is_random_128_bit_hex_and_time_defaults_to_the_clock() -> None:
    first, second = sign(BODY, "k"), sign(BODY, "k")
    assert first[NONCE_HEADER] != second[NONCE_HEADER]
    assert len(first[NONCE_HEADER]) == 32 and int(first[NONCE_HEADER], 16) >= 0
    assert check(BODY, first, ["k"], now=float(first[TIMESTAMP_HEADER])).nonce == first[NONCE_HEADER]
    aware = sign(BODY, "k", now=datetime.fromtimestamp(NOW, UTC), nonce=NONCE)
    assert aware[TIMESTAMP_HEADER] == str(int(NOW))


def test_tampered_body_fails() -> None:
    headers = sign(BODY, "s3cret", now=NOW)
    with pytest.raises(BadSignature, match="does not match"):
        check(BODY + b" ", headers, ["s3cret"])
    with pytest.raises(BadSignature):
        check(BODY.replace(b"r-1", b"r-2"), headers, ["s3cret"])


def test_tampered_timestamp_or_nonce_fails() -> None:
    headers = sign(BODY, "s3cret", now=NOW)
    with pytest.raises(BadSignature):
        check(BODY, {**headers, TIMESTAMP_HEADER: str(int(NOW) + 1)}, ["s3cret"])
    with pytest.raises(BadSignature):
        check(BODY, {**headers, NONCE_HEADER: "f" * 32}, ["s3cret"])


def test_wrong_secret_fails() -> None:
    with pytest.raises(BadSignature):
        check(BODY, sign(BODY, "old", now=NOW), ["new"])


def test_rotation_accepts_any_active_secret_and_reports_which() -> None:
    assert check(BODY, sign(BODY, "new", now=NOW), ["new", "old"]).secret_index == 0
    assert check(BODY, sign(BODY, "old", now=NOW), ["new", "old"]).secret_index == 1
    with pytest.raises(BadSignature):
        check(BODY, sign(BODY, "retired", now=NOW), ["new", "old"])


def test_a_header_with_several_signatures_matches_on_any() -> None:
    by_old = sign(BODY, "old", now=NOW, nonce=NONCE)
    by_new = sign(BODY, "new", now=NOW, nonce=NONCE)
    both = {**by_new, SIGNATURE_HEADER: f"{by_new[SIGNATURE_HEADER]}, v0=zz, {by_old[SIGNATURE_HEADER]}"}
    assert check(BODY, both, ["old"]).secret_index == 0


@pytest.mark.parametrize(
    ("offset", "message"),
    [(-301, "too old"), (-3600, "too old"), (301, "in the future"), (86_400, "in the future")],
)
def test_timestamp_outside_tolerance(offset: int, message: str) -> None:
    headers = sign(BODY, "k", now=NOW + offset)
    with pytest.raises(TimestampOutOfTolerance, match=message):
        check(BODY, headers, ["k"])


def test_timestamp_at_the_edges_of_tolerance_is_accepted() -> None:
    for offset in (-300, 300):
        assert check(BODY, sign(BODY, "k", now=NOW + offset), ["k"]).timestamp == int(NOW) + offset
    with pytest.raises(TimestampOutOfTolerance):
        verify(BODY, sign(BODY, "k", now=NOW - 11), ["k"], now=NOW, tolerance_s=10, seen_nonce=NonceCache(Clock()))


def test_replayed_nonce_is_refused() -> None:
    cache = NonceCache(Clock())
    headers = sign(BODY, "k", now=NOW)
    check(BODY, headers, ["k"], cache=cache)
    with pytest.raises(ReplayedNonce, match="already used"):
        check(BODY, headers, ["k"], cache=cache)
    # the same nonce re-signed by the genuine sender (another timestamp) is still a replay
    with pytest.raises(ReplayedNonce):
        check(BODY, sign(BODY, "k", now=NOW + 1, nonce=headers[NONCE_HEADER]), ["k"], cache=cache)


def test_a_forged_request_does_not_consume_the_nonce() -> None:
    cache = NonceCache(Clock())
    genuine = sign(BODY, "k", now=NOW)
    with pytest.raises(BadSignature):
        check(BODY, {**genuine, SIGNATURE_HEADER: "v1=" + "0" * 64}, ["k"], cache=cache)
    assert check(BODY, genuine, ["k"], cache=cache).nonce == genuine[NONCE_HEADER]


def test_seen_nonce_receives_the_expiry_of_the_window() -> None:
    calls: list[tuple[str, float]] = []

    def record(nonce: str, expires_at: float) -> bool:
        calls.append((nonce, expires_at))
        return True

    verify(BODY, sign(BODY, "k", now=NOW, nonce=NONCE), ["k"], now=NOW, tolerance_s=60, seen_nonce=record)
    assert calls == [(NONCE, int(NOW) + 60)]


def test_nonce_cache_expires_entries() -> None:
    clock = Clock()
    cache = NonceCache(clock, purge_every=1)
    assert cache(NONCE, NOW + 10)
    assert not cache(NONCE, NOW + 10)
    assert cache.size() == 1
    clock.now = NOW + 10
    assert cache.size() == 0
    assert cache(NONCE, NOW + 20)


def test_header_names_are_case_insensitive() -> None:
    headers = sign(BODY, "k", now=NOW)
    lower = {name.lower(): value for name, value in headers.items()}
    upper = [(name.upper(), value) for name, value in headers.items()]
    assert check(BODY, lower, ["k"]).nonce == headers[NONCE_HEADER]
    assert check(BODY, upper, ["k"]).nonce == headers[NONCE_HEADER]
    hex_upper = {**headers, SIGNATURE_HEADER: headers[SIGNATURE_HEADER].upper().replace("V1=", "v1=")}
    assert check(BODY, hex_upper, ["k"]).secret_index == 0


@pytest.mark.parametrize("missing", [TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER])
def test_missing_header(missing: str) -> None:
    headers = {k: v for k, v in sign(BODY, "k", now=NOW).items() if k != missing}
    with pytest.raises(MissingHeader, match=f"missing header {missing}"):
        check(BODY, headers, ["k"])
    with pytest.raises(MissingHeader):
        check(BODY, {**headers, missing: "  "}, ["k"])


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        (TIMESTAMP_HEADER, "2025-06-15T00:00:00Z", "unix seconds"),
        (TIMESTAMP_HEADER, "-5", "unix seconds"),
        (NONCE_HEADER, "not-hex", "32 lower-case hex"),
        (NONCE_HEADER, "abc", "32 lower-case hex"),
        (SIGNATURE_HEADER, "deadbeef", "v1=<hex>"),
        (SIGNATURE_HEADER, "v1=xyz", "64 hex digits"),
        (SIGNATURE_HEADER, "v2=" + "a" * 64, "no 'v1=' signature"),
    ],
)
def test_malformed_headers(header: str, value: str, message: str) -> None:
    headers = {**sign(BODY, "k", now=NOW), header: value}
    with pytest.raises(MalformedHeader, match=message):
        check(BODY, headers, ["k"])


def test_every_refusal_is_a_signature_error_and_config_mistakes_are_not() -> None:
    for cls in (MissingHeader, MalformedHeader, BadSignature, TimestampOutOfTolerance, ReplayedNonce):
        assert issubclass(cls, SignatureError)
    headers = sign(BODY, "k", now=NOW)
    with pytest.raises(TypeError):
        check(BODY, headers, "k")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        check(BODY, headers, [])
    with pytest.raises(ValueError):
        sign(BODY, "")
    with pytest.raises(ValueError):
        sign(BODY, "k", nonce="short")
