"""Loops of the analysis in C (`_kernels.c`, whose docstrings say what each computes)."""

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

def candidates(postings: list[Ints], weights: Floats, floors: Floats, out: Ints) -> int: ...
def idf(ids: list[int], df: Floats, docs: float, floor: float, out: Floats) -> None: ...
def idf_sums(groups: list[Ints], df: Floats, docs: float, floor: float, out: Floats) -> None: ...
def minhash(
    hashes: Iterable[int], a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64], out: npt.NDArray[np.uint32]
) -> None: ...
def usable(
    sentences: int,
    content_rows: list[int],
    content_columns: list[int],
    first: list[int],
    second: list[int],
    key_weights: Floats,
    key_slots: list[Ints],
    slots: Ints,
    n_slots: int,
    floors: Floats,
    out: Bools,
    kept: Ints,
) -> int: ...
def upper(
    present_rows: list[int],
    present_columns: list[int],
    content_rows: list[int],
    content_columns: list[int],
    content_counts: list[int],
    content_weight: list[float],
    first: list[int],
    second: list[int],
    pair_rows: list[int],
    pair_columns: list[int],
    pair_slots: list[Ints],
    key_weights: Floats,
    key_slots: list[Ints],
    key_counts: list[Floats],
    slots: Ints,
    n_slots: int,
    totals: Floats,
    pair_count: Floats,
    trust: Floats,
    coverage_weight: float,
    focus_weight: float,
    order_weight: float,
    usable: Bools | None,
    out: Floats,
) -> None: ...
