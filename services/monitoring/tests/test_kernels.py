"""The analysis's C kernels (`analysis/_kernels.c`) bound every window x reference, weigh keys and
references, and compute MinHash signatures as the numpy code they stand in for does, and refuse
malformed arguments with an error that names them.

The numpy code runs in an interpreted copy of `claim_bounds` with its kernels taken away, on the
same index and items as the built module."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from presscenter.monitoring.analysis import claim_bounds
from presscenter.monitoring.analysis.fingerprint import fingerprint
from presscenter.monitoring.analysis.minhash import MinHasher
from presscenter.monitoring.analysis.reference_index import ReferenceIndex
from presscenter.monitoring.analysis.references import Reference, ScoreWeights
from presscenter.monitoring.analysis.terms import TermStats
from presscenter.monitoring.evaluation.synthetic import build_stream
from presscenter.monitoring.text import tokenize
from presscenter.monitoring.text.sentences import Sentence
from presscenter.shared.testing.compiled import interpreted

kernels = claim_bounds.kernels
needs_kernels = pytest.mark.skipif(kernels is None, reason="a pure-Python build has no C kernels")
Parts = tuple[tuple[Sentence, ...], ...]


@pytest.fixture(scope="module")
def numpy_bounds() -> ModuleType:
    module = interpreted("presscenter.monitoring.analysis.claim_bounds")
    module.kernels = None
    return module


@pytest.fixture(scope="module")
def stream() -> tuple[ReferenceIndex, TermStats, list[Parts]]:
    """An index of 120 claims, with a variant of every fourth (so some references share most of
    their keys), and 700 items of a synthetic stream (news, chatter, rumours and refutations),
    counted into the term statistics as the engine does."""
    builder = build_stream(700, 120, seed=5)
    terms = TermStats()
    index = ReferenceIndex(terms)
    for n, (row, _form, _slots) in enumerate(builder.claims):
        tokens = tokenize(row["text"])
        index.add(Reference.of(row["claim_id"], "claim", tokens, row["text"]))
        if n % 4 == 0:
            index.add(Reference.of(row["claim_id"], "variant", tokens[2:], row["text"], trust=0.9))
    items: list[Parts] = []
    for item in builder.items:
        found = fingerprint(item["title"], item["text"])
        terms.add(t.key for t in found.tokens if t.is_content)
        items.append((found.title, found.body) if found.title else (found.body,))
    index.refresh()
    return index, terms, items


def both(
    numpy_module: ModuleType, run: Callable[[Any], claim_bounds.Bounds | None]
) -> tuple[claim_bounds.Bounds | None, claim_bounds.Bounds | None]:
    return run(claim_bounds), run(numpy_module)


def assert_same(native: claim_bounds.Bounds | None, reference: claim_bounds.Bounds | None) -> None:
    assert (native is None) == (reference is None)
    if native is None or reference is None:
        return
    assert native.spans == reference.spans
    assert native.slots.tolist() == reference.slots.tolist()
    # numpy's matrix products go through BLAS (other order of additions, fused multiply-adds)
    np.testing.assert_allclose(native.upper, reference.upper, rtol=1e-12, atol=1e-12)


@needs_kernels
def test_the_kernels_bound_every_window_and_reference_as_numpy_does(
    stream: tuple[ReferenceIndex, TermStats, list[Parts]], numpy_bounds: ModuleType
) -> None:
    index, terms, items = stream
    weights = ScoreWeights()
    compared = few = many = 0
    for parts, floor in ((parts, floor) for parts in items for floor in (0.3, 0.02)):  # the matcher's, and low
        native, reference = both(numpy_bounds, lambda m, p=parts, f=floor: m.bounds(index, p, terms.idf, weights, f))
        assert_same(native, reference)
        if native is not None:
            compared += 1
            # numpy reads a few slots' own counts and many slots' postings: both ways are checked
            few += len(native.slots) <= claim_bounds.FEW_SLOTS
            many += len(native.slots) > claim_bounds.FEW_SLOTS
            assert ((native.upper == -1.0) | (native.upper >= 0)).all()
    assert compared >= 100 and few and many


@needs_kernels
def test_the_kernels_bound_the_references_asked_for_as_numpy_does(
    stream: tuple[ReferenceIndex, TermStats, list[Parts]], numpy_bounds: ModuleType
) -> None:
    """`only` (`ClaimMatcher.check`): every window against the references of one claim, no floor."""
    index, terms, items = stream
    weights = ScoreWeights(coverage=0.6, focus=0.1, order=0.3)
    for n, parts in enumerate(items[:300]):
        only = [n % 50, 50 + (n * 7) % 50, 149 - n % 50]  # distinct slots, as a claim's references have
        native, reference = both(
            numpy_bounds, lambda m, p=parts, o=only: m.bounds(index, p, terms.idf, weights, None, o)
        )
        assert_same(native, reference)
        assert native is not None and native.upper.shape[1] == 3
        assert (native.upper >= 0).all()


@needs_kernels
def test_the_index_weighs_keys_and_references_as_numpy_does(
    stream: tuple[ReferenceIndex, TermStats, list[Parts]],
) -> None:
    """Key weights, reference totals now and as of the last refresh; the kernels' log is the C
    library's, as `TermStats.idf`'s `math.log` (numpy's may differ from it in the last place)."""
    index, terms, _items = stream
    numpy_module = interpreted("presscenter.monitoring.analysis.reference_index")
    numpy_module.kernels = None
    native, reference = ReferenceIndex(terms, refresh_docs=0), numpy_module.ReferenceIndex(terms, refresh_docs=0)
    for ref in index.refs:
        if ref is not None:
            assert native.add(ref) == reference.add(ref)
    native.refresh()
    reference.refresh()
    keys = list(index.keys)
    assert native.weights(keys).tolist() == [terms.idf(key) for key in keys]
    np.testing.assert_allclose(native.weights(keys), reference.weights(keys), rtol=1e-15)
    slots = np.arange(len(native.refs))
    np.testing.assert_allclose(native.totals(slots), reference.totals(slots), rtol=1e-14)
    np.testing.assert_allclose(native.filter_total, reference.filter_total, rtol=1e-14)
    assert len(native.filter_total) == len(reference.filter_total) >= len(slots)


@needs_kernels
def test_the_candidate_filter_adds_the_same_floats_in_the_same_order_as_bincount(numpy_bounds: ModuleType) -> None:
    rng = np.random.default_rng(11)
    for _ in range(200):
        slots = int(rng.integers(1, 300))
        posted = [rng.choice(slots, int(rng.integers(0, slots + 1)), replace=False) for _ in range(rng.integers(1, 30))]
        weights = rng.uniform(0.2, 9.0, len(posted))
        floors = np.where(rng.random(slots) < 0.1, np.inf, rng.uniform(0.0, 20.0, slots))
        native = claim_bounds._shared_at_least(posted, weights, floors)
        assert native.tolist() == numpy_bounds._shared_at_least(posted, weights, floors).tolist()


@needs_kernels
def test_minhash_signatures_are_numpys_bit_for_bit() -> None:
    module = interpreted("presscenter.monitoring.analysis.minhash")
    module.kernels = None
    rng = np.random.default_rng(3)
    for positions in (1, 64, 128):
        native, reference = MinHasher(positions), module.MinHasher(positions)
        for size in (0, 1, 7, 300):
            hashes = frozenset(int(h) for h in rng.integers(0, 2**32, size))
            assert native.signature(hashes).dtype == np.uint32
            assert native.signature(hashes).tolist() == reference.signature(hashes).tolist()
            assert native.signature(iter(sorted(hashes))).tolist() == reference.signature(hashes).tolist()


def ints(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def floats(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def arguments(kernel: str, **changed: Any) -> list[Any]:
    """Arguments of one window, one sentence, one key and one slot, that the kernel takes; `changed`
    replaces some."""
    one_key = {"key_weights": floats(2.0), "key_slots": [ints(0)], "slots": ints(0), "n_slots": 1}
    given: dict[str, Any] = {
        "candidates": {"postings": [ints(0)], "weights": floats(1.0), "floors": floats(0.5), "out": ints(0)},
        "idf": {"ids": [0], "df": floats(1.0), "docs": 20.0, "floor": 0.2, "out": floats(0.0)},
        "minhash": {
            "hashes": [3],
            "a": np.array([2**63 + 1], dtype=np.uint64),
            "b": np.array([5], dtype=np.uint64),
            "out": np.zeros(1, dtype=np.uint32),
        },
        "idf_sums": {"groups": [ints(0, 0)], "df": floats(1.0), "docs": 20.0, "floor": 0.2, "out": floats(0.0)},
        "usable": {
            "sentences": 1, "content_rows": [0], "content_columns": [0], "first": [0], "second": [-1], **one_key,
            "floors": floats(0.1), "out": np.zeros((1, 1), dtype=bool), "kept": ints(0),
        },
        "upper": {
            "present_rows": [0], "present_columns": [0], "content_rows": [0], "content_columns": [0],
            "content_counts": [1], "content_weight": [2.0], "first": [0], "second": [-1], "pair_rows": [],
            "pair_columns": [], "pair_slots": [], "key_weights": floats(2.0), "key_slots": [ints(0)],
            "key_counts": [floats(1.0)], "slots": ints(0), "n_slots": 1, "totals": floats(2.0),
            "pair_count": floats(0.0), "trust": floats(1.0), "coverage_weight": 0.5, "focus_weight": 0.25,
            "order_weight": 0.25, "usable": None, "out": np.zeros((1, 1)),
        },
    }[kernel]  # fmt: skip
    assert set(changed) <= set(given)
    return list({**given, **changed}.values())


@needs_kernels
def test_the_kernels_take_one_window_one_key_and_one_slot() -> None:
    """The arguments the refusals below start from are right: a window that is the reference."""
    assert kernels.candidates(*arguments("candidates")) == 1
    found = arguments("minhash")
    kernels.minhash(*found)
    assert found[-1].tolist() == [((2**63 + 1) * 3 + 5) % 2**64 >> 32]
    for kernel, times in (("idf", 1), ("idf_sums", 2)):
        found = arguments(kernel)
        getattr(kernels, kernel)(*found)
        assert found[-1].tolist() == [times * math.log(20.0 / 2.0)]
    found = arguments("usable")
    assert kernels.usable(*found) == 1 and found[-2].tolist() == [[True]]
    found = arguments("upper")
    kernels.upper(*found)
    assert found[-1].tolist() == [[1.0]]  # everything covered, in focus, and no pairs to keep


@needs_kernels
@pytest.mark.parametrize(
    ("kernel", "changed", "error", "message"),
    [
        ("candidates", {"floors": floats(0.5, 0.5)}, ValueError, "out: 1 items, expected 2"),
        ("candidates", {"postings": [ints(0, 2)], "floors": floats(0.5, 0.5), "out": ints(0, 0)}, IndexError,
         "candidates: a posted slot beyond floors"),
        ("candidates", {"postings": [np.zeros(1, dtype=np.int32)]}, TypeError, "postings: expected a contiguous int64"),
        ("candidates", {"postings": (ints(0),)}, TypeError, "postings: expected a list of int64 arrays"),
        ("candidates", {"weights": floats(1.0, 2.0)}, ValueError, "weights: 2 items, expected 1"),
        ("idf", {"ids": [1]}, IndexError, "ids: 1 is not in [0, 1)"),
        ("idf", {"docs": "20"}, TypeError, "must be real number"),
        ("idf", {"out": floats(0.0, 0.0)}, ValueError, "out: 2 items, expected 1"),
        ("idf_sums", {"groups": [ints(0, 1)]}, IndexError, "idf_sums: a key id beyond df"),
        ("idf_sums", {"groups": ints(0)}, TypeError, "groups: expected a list of int64 arrays"),
        ("minhash", {"hashes": [-1]}, OverflowError, "negative"),
        ("minhash", {"hashes": 3}, TypeError, "not iterable"),
        ("minhash", {"b": np.zeros(2, dtype=np.uint64)}, ValueError, "b: 2 items, expected 1"),
        ("minhash", {"out": np.zeros(1, dtype=np.uint64)}, TypeError, "out: expected a contiguous uint32 array"),
        ("usable", {"content_columns": [3]}, IndexError, "content_columns: 3 is not in [0, 1)"),
        ("usable", {"first": [1]}, IndexError, "first: 1 is not in [0, 1)"),
        ("usable", {"key_slots": [ints(5)]}, IndexError, "key_slots: a posted slot beyond the index"),
        ("usable", {"slots": ints(0, 0), "floors": floats(0.1, 0.1), "out": np.zeros((1, 2), dtype=bool),
                    "kept": ints(0, 0)}, ValueError, "slot 0 appears twice among the slots"),
        ("usable", {"out": np.zeros((1, 1))}, TypeError, "out: expected a contiguous bool array"),
        ("upper", {"key_counts": [floats(1.0, 2.0)]}, ValueError, "key_slots: 2 items, expected 1"),
        ("upper", {"content_weight": ["x"]}, TypeError, "must be real number"),
        ("upper", {"second": [0, -1]}, ValueError, "second: 2 items, expected 1"),
        ("upper", {"out": np.zeros((2, 2))[:, :1]}, ValueError, "not C-contiguous"),
    ],
)  # fmt: skip
def test_the_kernels_refuse_malformed_arguments_with_an_error_naming_them(
    kernel: str, changed: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        getattr(kernels, kernel)(*arguments(kernel, **changed))
    with pytest.raises(TypeError, match=f"{kernel}: expected .* arguments"):
        getattr(kernels, kernel)(*arguments(kernel)[:-1])
