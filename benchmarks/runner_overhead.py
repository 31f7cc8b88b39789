"""Runner overhead: ``evalkit run`` end to end (a subprocess) against a loopback OpenAI server.

N requests (MulDimIF prompts, graded: N of them, or as many epochs of the first N/epochs as
N needs beyond the pack's 1,200) per scenario, at concurrency C; the
server sleeps ``latency`` L per request, answers 500 to a seeded fraction E of them and 429 with
``Retry-After: 1`` to a seeded fraction R. Prints wall time over the ideal (ceil(N / C) × L),
time to the first request, the busy phase (first request to last answer) over ideal, the mean
(time-weighted) and max requests in flight seen by the server, peak RSS and CPU seconds (user +
system) of the evalkit process, CPU per request, and generations completed / failed. The
scenarios are those of the runner's throughput goals; ``--client sdk`` measures the openai SDK
path instead of the lean HTTP client, ``--client floor`` a minimal aiohttp client that only sends
(the floor any harness can reach on this machine at this moment).

evalkit runs as installed: its modules compiled to bytecode once before the first scenario (as pip
does for an installed package), whatever ``PYTHONDONTWRITEBYTECODE`` says.

Usage: python benchmarks/runner_overhead.py [--only N=500,C=32,L=0.2,E=0,R=0] [--client sdk|http]
"""

from __future__ import annotations

import argparse
import compileall
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

PACK_SIZE = 1200  # MulDimIF prompts
DATA = Path(os.environ.get("EVALKIT_TEST_DATA", REPO.parent / "shared" / "data"))
# (requests, concurrency, latency s, 500 rate, 429 rate)
SCENARIOS = [(500, 32, 0.2, 0.0, 0.0), (500, 128, 0.2, 0.0, 0.0), (500, 32, 1.0, 0.0, 0.0),
             (5000, 256, 1.0, 0.0, 0.0), (500, 32, 0.2, 0.05, 0.0), (500, 32, 0.2, 0.5, 0.0),
             (2400, 256, 1.0, 0.0, 0.1)]


def make_reply(latency: float, error_rate: float, limited_rate: float) -> tuple[Any, list[float]]:
    rng, lock, last = random.Random(0), threading.Lock(), [0.0]

    def reply(body: dict[str, Any]) -> Any:
        time.sleep(latency)
        with lock:
            draw = rng.random()
            last[0] = time.monotonic()
        if draw < error_rate:
            return 500, {"error": {"message": "injected failure"}}
        if draw < error_rate + limited_rate:
            return 429, {"error": {"message": "injected rate limit"}}, {"Retry-After": "1"}
        return echo_reply(body)

    return reply, last


FLOOR = """
import asyncio, json, sys
import aiohttp

async def main(url, n, c):
    body = {"model": "floor", "messages": [{"role": "user", "content": "Say hi in five words."}], "max_tokens": 64}
    sem = asyncio.Semaphore(c)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=c)) as session:
        async def one():
            async with sem:
                while True:
                    async with session.post(url + "/chat/completions", json=body) as resp:
                        data = await resp.read()
                        if resp.status == 200:
                            return json.loads(data)["choices"][0]["message"]["content"]
                    await asyncio.sleep(1.0)
        texts = await asyncio.gather(*(one() for _ in range(n)))
    print(sum("HI" in t for t in texts))

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""


def scenario(n: int, concurrency: int, latency: float, error_rate: float, limited_rate: float,
             client: str) -> dict[str, Any]:
    """Run one configuration and return its figures."""
    reply, last = make_reply(latency, error_rate, limited_rate)
    with tempfile.TemporaryDirectory() as tmp, serve(reply) as (url, received):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env = {**env, "EVALKIT_REQUEST_CACHE_DIR": str(Path(tmp) / "cache"), "EVALKIT_OPENAI_CLIENT": client}
        epochs = math.ceil(n / PACK_SIZE)
        cmd = [sys.executable, "-c", FLOOR, url, str(n), str(concurrency)] if client == "floor" else [
            sys.executable, "-m", "cli", "run", "--pack", "muldimif", "--data-dir", str(DATA), "--limit",
            str(n // epochs), "--epochs", str(epochs), "--model", "openai:bench", "--base-url", url,
            "--concurrency", str(concurrency), "--out", str(Path(tmp) / "run")]
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        journal = Path(tmp) / "run" / "generations.jsonl"
        rows = [json.loads(x) for x in journal.read_text().splitlines()] if journal.is_file() else []
    ideal = math.ceil(n / concurrency) * latency
    first = (received.first_at or start) - start
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "N": n, "C": concurrency, "latency_s": latency, "error_rate": error_rate, "limited_rate": limited_rate,
        "exit": os.waitstatus_to_exitcode(status), "wall_s": wall, "ideal_s": ideal, "wall/ideal": wall / ideal,
        "busy/ideal": (last[0] - (received.first_at or start)) / ideal, "first_request_s": first,
        "mean_in_flight": received.mean_in_flight(), "max_in_flight": received.max_in_flight,
        "peak_rss_mb": usage.ru_maxrss / 1024, "cpu_s": cpu, "cpu_ms_per_request": 1000 * cpu / n,
        "requests_sent": len(received), "completed": sum(r["status"] != "error" for r in rows),
        "failed": sum(r["status"] == "error" for r in rows), "journaled": len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="one scenario, e.g. N=500,C=32,L=0.2,E=0,R=0")
    parser.add_argument("--client", default="http", choices=["http", "sdk", "floor"],
                        help="evalkit's OpenAI-compatible client path, or 'floor': a minimal aiohttp client "
                             "(no journal, no grading) measured the same way, for comparison")
    args = parser.parse_args()
    if args.client != "floor" and not (DATA / "muldimif" / "test.json").is_file():
        sys.exit(f"error: {DATA / 'muldimif' / 'test.json'} not found; point EVALKIT_TEST_DATA at the shared data folder")
    scenarios = SCENARIOS
    if args.only:
        kv = dict(part.split("=") for part in args.only.split(","))
        scenarios = [(int(kv.get("N", 500)), int(kv["C"]), float(kv["L"]), float(kv.get("E", 0)),
                      float(kv.get("R", 0)))]
    for part in ("evalkit", "tasks", "verifiers", "cli.py"):  # bytecode, as an installed package has
        path = REPO / part
        ok = compileall.compile_dir(path, quiet=1) if path.is_dir() else compileall.compile_file(path, quiet=1)
        if not ok:
            sys.exit(f"error: cannot compile {path}")
    print(f"client {args.client}; Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    header = ("N", "C", "L s", "500s", "429s", "wall s", "ideal s", "wall/ideal", "1st req s", "busy/ideal",
              "mean fl", "max fl", "RSS MB", "CPU s", "CPU ms/req", "sent", "ok", "failed", "exit")
    print(" ".join(f"{h:>10}" for h in header))
    for n, c, lat, err, limited in scenarios:
        r = scenario(n, c, lat, err, limited, args.client)
        cells = (r["N"], r["C"], r["latency_s"], r["error_rate"], r["limited_rate"], f"{r['wall_s']:.2f}",
                 f"{r['ideal_s']:.2f}", f"{r['wall/ideal']:.2f}", f"{r['first_request_s']:.2f}",
                 f"{r['busy/ideal']:.2f}", f"{r['mean_in_flight']:.1f}", r["max_in_flight"],
                 f"{r['peak_rss_mb']:.0f}", f"{r['cpu_s']:.2f}", f"{r['cpu_ms_per_request']:.2f}",
                 r["requests_sent"], r["completed"], r["failed"], r["exit"])
        print(" ".join(f"{x!s:>10}" for x in cells), flush=True)


if __name__ == "__main__":
    main()
