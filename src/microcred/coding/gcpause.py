"""Pausing Python's cyclic garbage collector while a coder works through a batch.

Why: coding allocates many small acyclic objects (tuples, decisions), and each
generation-2 collection walks every object of the host process; in a pipeline
holding large tables that cost a third of the coding time. Reference counting
still frees everything; the collector runs again as soon as the batch is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
