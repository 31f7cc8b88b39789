"""Runner overhead: ``evalkit run`` end to end (a subprocess) against a loopback OpenAI server.

500 requests (25 starter prompts × 20 epochs) per scenario; the server sleeps ``latency`` per
request and answers 500 to a seeded fraction of them. Prints wall time, the ideal
(ceil(500 / C) × latency), wall/ideal, the generation phase alone (first request to last
answer) over ideal, time to first request, mean (time-weighted) and max requests in flight seen
by the server, peak RSS of the evalkit process, and generations completed / failed.

Usage: python benchmarks/runner_overhead.py [--only C=32,L=0.2,E=0]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.mock_openai_server import echo_reply, serve  # noqa: E402

N_PROMPTS, EPOCHS = 25, 20
SCENARIOS = [(32, 0.2, 0.0), (128, 0.2, 0.0), (128, 1.0, 0.0), (32, 0.2, 0.05), (32, 0.2, 0.5)]


def make_reply(latency: float, error_rate: float) -> tuple[Any, list[float]]:
    rng, lock, last = random.Random(0), threading.Lock(), [0.0]

    def reply(body: dict[str, Any]) -> Any:
        time.sleep(latency)
        with lock:
            fail = rng.random() < error_rate
            last[0] = time.monotonic()
        if fail:
            return 500, {"error": {"message": "injected failure"}}
        return echo_reply(body)

    return reply, last


def scenario(concurrency: int, latency: float, error_rate: float) -> dict[str, Any]:
    """Run one configuration and return its figures."""
    reply, last = make_reply(latency, error_rate)
    with tempfile.TemporaryDirectory() as tmp, serve(reply) as (url, received):
        env = {**os.environ, "EVALKIT_REQUEST_CACHE_DIR": str(Path(tmp) / "cache")}
        cmd = [sys.executable, "-m", "cli", "run", "--pack", "starter", "--limit", str(N_PROMPTS), "--epochs",
               str(EPOCHS), "--model", "openai:bench", "--base-url", url, "--concurrency", str(concurrency),
               "--out", str(Path(tmp) / "run")]
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        rows = [json.loads(x) for x in (Path(tmp) / "run" / "generations.jsonl").read_text().splitlines()]
    ideal = math.ceil(N_PROMPTS * EPOCHS / concurrency) * latency
    first = (received.first_at or start) - start
    return {
        "C": concurrency, "latency_s": latency, "error_rate": error_rate, "exit": os.waitstatus_to_exitcode(status),
        "wall_s": wall, "ideal_s": ideal, "wall/ideal": wall / ideal,
        "gen/ideal": (last[0] - (received.first_at or start)) / ideal, "first_request_s": first,
        "mean_in_flight": received.mean_in_flight(), "max_in_flight": received.max_in_flight,
        "peak_rss_mb": usage.ru_maxrss / 1024, "requests_sent": len(received),
        "completed": sum(r["status"] != "error" for r in rows), "failed": sum(r["status"] == "error" for r in rows),
        "journaled": len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="one scenario, e.g. C=32,L=0.2,E=0")
    args = parser.parse_args()
    scenarios = SCENARIOS
    if args.only:
        kv = dict(part.split("=") for part in args.only.split(","))
        scenarios = [(int(kv["C"]), float(kv["L"]), float(kv.get("E", 0)))]
    print(f"{N_PROMPTS * EPOCHS} requests per scenario; Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    header = ("C", "L s", "err", "wall s", "ideal s", "wall/ideal", "gen/ideal", "1st req s", "mean fl", "max fl",
              "RSS MB", "sent", "ok", "failed", "exit")
    print(" ".join(f"{h:>10}" for h in header))
    for c, lat, err in scenarios:
        r = scenario(c, lat, err)
        cells = (r["C"], r["latency_s"], r["error_rate"], f"{r['wall_s']:.2f}", f"{r['ideal_s']:.2f}",
                 f"{r['wall/ideal']:.2f}", f"{r['gen/ideal']:.2f}", f"{r['first_request_s']:.2f}",
                 f"{r['mean_in_flight']:.1f}", r["max_in_flight"], f"{r['peak_rss_mb']:.0f}", r["requests_sent"],
                 r["completed"], r["failed"], r["exit"])
        print(" ".join(f"{x!s:>10}" for x in cells), flush=True)


if __name__ == "__main__":
    main()
