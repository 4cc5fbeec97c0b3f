"""Testing code that some modules run compiled (monitoring's `setup.py` compiles its analysis's hot
modules with mypyc, in place, next to their `.py` files).

- `interpreted`: the module's `.py` source loaded as a module of its own. Compiled classes cannot
  be subclassed from Python, so a test that checks a fast path against a reference written as a
  subclass builds it on this copy.
- `is_compiled`: whether the installed module is the extension.
- `stale_extensions`: extensions older than their `.py` (or `.c`) file. An extension shadows its
  source, so an edit not yet rebuilt would go untested; the shared pytest plugin refuses to run then.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType


@cache
def interpreted(name: str) -> ModuleType:
    """`name` (e.g. "presscenter.monitoring.analysis.trends") loaded from its `.py` file as a
    module of its own: its classes are Python's, its imports the installed (maybe compiled) ones."""
    installed = importlib.import_module(name)
    source = Path(installed.__file__ or "").with_name(name.rpartition(".")[2] + ".py")
    spec = importlib.util.spec_from_file_location(f"{name}__interpreted", source)
    assert spec is not None and spec.loader is not None, f"no source for {name} at {source}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the body runs
    spec.loader.exec_module(module)
    return module


def is_compiled(name: str) -> bool:
    """Whether the installed `name` is a compiled extension (not its `.py` file)."""
    return not (importlib.import_module(name).__file__ or "").endswith(".py")


def stale_extensions(root: Path) -> list[Path]:
    """The sources under `root`'s packages (`shared/`, `services/*/`) edited after their extension
    module (`name.cpython-311-….so` beside `name.py`, or beside `name.c` for one written in C) was
    built."""
    stale = []
    for package in (root / "shared", *root.glob("services/*")):
        for extension in (package / "src").rglob("*.so"):
            stem = extension.name.split(".", 1)[0]
            for source in (extension.with_name(f"{stem}.py"), extension.with_name(f"{stem}.c")):
                if source.exists() and source.stat().st_mtime > extension.stat().st_mtime:
                    stale.append(source)
    return stale
