"""Three-valued truth for the evaluator's inner loop.

Every matcher and condition answers with one of three small integers, ordered so that Kleene's
three-valued logic is plain arithmetic: ``AND`` is ``min``, ``OR`` is ``max`` and ``NOT`` is ``2 - x``.
They never leave the engine: callers see :class:`~enjoin.engine.model.Decision` only. Ints rather
than an enum because these values are combined millions of times per second on the hot path.
"""

from __future__ import annotations

from typing import Final

# The element certainly does not match / the condition is certainly false.
FALSE: Final = 0
# The engine cannot tell: an unsupported operator, an unknown principal id, an undocumented case.
UNKNOWN: Final = 1
# The element certainly matches / the condition is certainly true.
TRUE: Final = 2

Truth = int
