"""The analysis's C kernels (`_kernels.c`), or None in a build without them (pure Python, or no C
compiler), where the modules that use them run the numpy code they stand in for."""

from __future__ import annotations

try:
    from presscenter.monitoring.analysis import _kernels as kernels
except ImportError:
    kernels = None  # type: ignore[assignment]

__all__ = ["kernels"]
