"""Time per sandboxed call of a small dataset snippet: under bubblewrap, and unisolated.

Prints calls per second and milliseconds per call for each mode (nothing is asserted).
Usage: python benchmarks/sandbox_calls.py [N]
"""

from __future__ import annotations

import sys
import time

from evalkit import sandbox
from evalkit.isolation import Layer, layer

SNIPPET = "import re\ndef check_following(response):\n    return bool(re.search(r'\\bYES\\b', response))"


def timed(n: int, allow: bool) -> float:
    """Seconds per call over ``n`` calls."""
    start = time.perf_counter()
    for i in range(n):
        res = sandbox.run_function(SNIPPET, "check_following", [f"answer {i}: YES"], allow_unisolated=allow)
        assert res.ok, res.error
    return (time.perf_counter() - start) / n


def main() -> None:
    """Print the figures."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    found = layer()
    if found.name:
        per = timed(n, False)
        print(f"bubblewrap:  {per * 1000:7.1f} ms/call  {1 / per:6.1f} calls/s  (n={n})")
    else:
        print(f"bubblewrap:  unavailable ({found.reason})")
    original = sandbox.layer
    sandbox.layer = lambda: Layer(None, "benchmark")  # type: ignore[assignment]
    try:
        per = timed(n, True)
    finally:
        sandbox.layer = original  # type: ignore[assignment]
    print(f"unisolated:  {per * 1000:7.1f} ms/call  {1 / per:6.1f} calls/s  (n={n})")


if __name__ == "__main__":
    main()
