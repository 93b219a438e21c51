"""Long-lived objects kept out of the garbage collector's way while a deployment is built and read back.

Deploying into the in-process emulator and reading it back allocate heavily (botocore parses every response)
while everything already alive (the emulator's state, the clients, the imported modules) stays alive. Each
collection of the oldest generation walks all of it: on a 100-resource template that was about 70% of the
inventory's time. :func:`frozen` moves what exists on entry to the collector's permanent generation
(``gc.freeze``) and gives it back on exit (``gc.unfreeze``), so collections look only at what the stage
itself creates. Nested uses unfreeze once, at the outermost exit. Nothing is kept alive longer than it would be.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """Within the block, the objects alive on entry are not traversed by the garbage collector."""
    global _depth
    with _lock:
        _depth += 1
        gc.freeze()
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.unfreeze()
