"""The staleness check of compiled extensions: an extension older than the source it was built
from (a mypyc module's `.py`, a hand-written kernel's `.c`) is reported, a fresh one is not."""

from __future__ import annotations

import os
from pathlib import Path

from presscenter.shared.testing.compiled import stale_extensions


def built(path: Path, at: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    os.utime(path, (at, at))
    return path


def test_an_extension_older_than_its_python_or_c_source_is_stale(tmp_path: Path) -> None:
    package = tmp_path / "services" / "demo" / "src" / "demo"
    built(package / "fresh.py", 100.0)
    built(package / "fresh.cpython-311-x86_64-linux-gnu.so", 200.0)
    edited_py = built(package / "edited.py", 300.0)
    built(package / "edited.cpython-311-x86_64-linux-gnu.so", 200.0)
    edited_c = built(package / "_kernels.c", 300.0)
    built(package / "_kernels.cpython-311-x86_64-linux-gnu.so", 200.0)
    built(package / "_fresh_kernels.c", 100.0)
    built(package / "_fresh_kernels.cpython-311-x86_64-linux-gnu.so", 200.0)
    built(tmp_path / "shared" / "src" / "lone.cpython-311-x86_64-linux-gnu.so", 50.0)  # no source beside it
    assert sorted(stale_extensions(tmp_path)) == sorted([edited_py, edited_c])
