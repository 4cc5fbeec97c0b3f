"""Build presscenter-monitoring, its analysis hot path compiled to C with mypyc.

The modules in `COMPILED` are plain, fully type-annotated Python; mypyc turns each into a C
extension that does the same thing faster (native classes, attribute slots, unboxed ints, direct
calls between compiled functions). Everything else, and every behaviour, stays Python's.

`analysis/_kernels.c` is written in C by hand: loops over small arrays that `claim_bounds` would
otherwise run as numpy calls (its numpy code stays, for a build without them).

`MONITORING_PURE_PYTHON=1` builds without compiling anything (the same code, interpreted), and so
does a machine without a C compiler (with a warning). The Makefile's editable install sets it, then
compiles in place (`make setup`), again whenever one of the sources changes.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent
PACKAGE = Path("src", "presscenter", "monitoring")
# The analysis's per-item loops: stories, claim matching, trends and the text under them.
COMPILED = [
    *(PACKAGE / "analysis" / f"{name}.py" for name in (
        "claim_bounds", "claims", "contradictions", "engine", "fingerprint", "minhash", "reference_index",
        "references", "refutation", "spread", "stories", "story_match", "terms", "trends",
    )),
    *(PACKAGE / "text" / f"{name}.py" for name in (
        "chunks", "matching", "reaccent", "sentences", "shingles", "spellings",
    )),
]  # fmt: skip
MYPY_OPTIONS = ["--ignore-missing-imports", "--follow-imports=silent", "--explicit-package-bases"]


def ext_modules() -> list[Extension]:
    if os.environ.get("MONITORING_PURE_PYTHON") == "1":
        return []
    compiler = os.environ.get("CC", "cc").split()[0]
    if not shutil.which(compiler):
        print(f"presscenter-monitoring: no C compiler ({compiler}): the analysis runs interpreted", file=sys.stderr)
        return []
    import numpy
    from mypyc.build import mypycify

    kernels = Extension(
        "presscenter.monitoring.analysis._kernels",
        [str(PACKAGE / "analysis" / "_kernels.c")],
        include_dirs=[numpy.get_include()],  # numpy's C API: numpy is a build requirement (pyproject.toml)
        libraries=["m"],
    )

    os.chdir(HERE)  # mypyc names modules from paths relative to here
    os.environ["MYPYPATH"] = "src"
    return [*mypycify([*MYPY_OPTIONS, *map(str, COMPILED)], opt_level="3", verbose=False), kernels]


setup(ext_modules=ext_modules())
