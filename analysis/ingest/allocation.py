"""How an import allocates memory: pyarrow's system pool and numpy without huge pages, on Linux.

An import builds many short-lived column-sized buffers (a 2-million-row CSV
touches ~1 GB of fresh memory: split cells, trimmed copies, parsed numbers,
Parquet pages). On Linux two allocator defaults make that memory dear:

* pyarrow's default pool (mimalloc in the Linux wheels) commits its arenas
  eagerly and purges freed pages soon after, so each buffer is faulted in
  afresh; with the system pool (glibc ``malloc``) Arrow's buffers and
  numpy's come from one heap and freed blocks are reused. Measured on the
  2-million-row CSV in new processes (2-core VM, load 8-9, median of 4): the
  whole import's CPU 3.9 -> 3.1 s, and pyarrow's CSV split alone 1.1 -> 0.45 s
  of CPU, most of the difference system time.
* numpy asks the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``)
  for arrays of 4 MiB and more. Where huge pages are defragmented on demand
  for such regions (``/sys/kernel/mm/transparent_hugepage/defrag`` =
  ``madvise``, a common default), a fault may stall on compaction, and an
  array touched once or twice, as an import's temporaries are, gains nothing
  from them. Off during the import: 3.1 -> 2.6 s of CPU in the same runs.

Both are process-wide settings of the libraries (``pyarrow.set_memory_pool``;
numpy's ``_set_madvise_hugepage``, the switch the ``NUMPY_MADVISE_HUGEPAGE``
environment variable sets, see numpy's "Global state" page): they are set for
the duration of an import and put back after, and left alone on other
systems (not measured there). Buffers keep the pool they were allocated
from, so frames built during the import outlive it safely. Neither changes a
value: they decide only where memory comes from.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
from collections.abc import Iterator


def _hugepage_switch():
    """numpy's ``_set_madvise_hugepage`` (``numpy._core`` in numpy 2, ``numpy.core`` in 1.26), or None."""
    for package in ("numpy._core", "numpy.core"):
        if importlib.util.find_spec(package) is not None:
            module = importlib.import_module(f"{package}.multiarray")
            return getattr(module, "_set_madvise_hugepage", None)
    return None  # another layout: numpy's default stays


@contextlib.contextmanager
def import_allocation() -> Iterator[None]:
    """Within the block: pyarrow's system memory pool, numpy arrays without huge pages (Linux only)."""
    if not sys.platform.startswith("linux"):
        yield
        return
    import pyarrow as pa

    _set_madvise_hugepage = _hugepage_switch()
    pool = pa.default_memory_pool()
    hugepage = _set_madvise_hugepage(False) if _set_madvise_hugepage is not None else None
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(pool)
        if hugepage is not None:
            _set_madvise_hugepage(hugepage)
