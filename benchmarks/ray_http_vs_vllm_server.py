"""``ray-http:`` next to ``vllm-server:``: the same MulDimIF run (1,200 prompts by default) against
the same loopback OpenAI-compatible servers.

Each scenario is ``evalkit run`` in a subprocess (``--no-cache``, new ``--out``) against S
servers that sleep L seconds per request. ``vllm-server`` gets ``--concurrency C``; ``ray-http``
gets a local Ray with ``-M num_cpus`` CPUs and C ÷ S workers per server (``-M workers``). Prints
wall time (Ray start-up included), generations per second, statuses, requests per server, the
mean (time-weighted) and max requests in flight seen by the servers, and the driver's peak RSS
and CPU seconds (user + system, Ray's own processes not included).

Usage: python benchmarks/ray_http_vs_vllm_server.py [--limit 1200] [--servers 2] [--concurrency 16]
       [--latency 0.05] [--num-cpus 2] [--batch-size 16]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.mock_openai_server import echo_reply, serve  # noqa: E402

DATA = Path(os.environ.get("EVALKIT_TEST_DATA", REPO.parent / "shared" / "data"))


def one_run(model: str, urls: list[str], extra: list[str], out: Path, limit: int) -> dict[str, Any]:
    """Run evalkit once; wall time, statuses and the child's resource use."""
    args = ["run", "--pack", "muldimif", "--data-dir", str(DATA), "--limit", str(limit), "--model", model,
            "--out", str(out), "--no-cache", *[x for url in urls for x in ("--base-url", url)], *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", "from cli import main; main()", *args], cwd=REPO,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rows = [json.loads(x) for x in (out / "generations.jsonl").read_text().splitlines()] if out.exists() else []
    return {"rc": proc.returncode, "wall_s": wall, "statuses": Counter(r["status"] for r in rows),
            "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "peak_rss_mb": after.ru_maxrss / 1024, "stderr_tail": proc.stderr.strip().splitlines()[-1:]}


def scenario(name: str, model: str, extra: list[str], opts: argparse.Namespace) -> None:
    """Start the servers, run, print one line of figures."""
    def slow(body: dict[str, Any]) -> Any:
        time.sleep(opts.latency)
        return echo_reply(body)

    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(serve(slow)) for _ in range(opts.servers)]
        with tempfile.TemporaryDirectory() as tmp:
            result = one_run(model, [url for url, _ in servers], extra, Path(tmp) / "r", opts.limit)
        received = [got for _, got in servers]
    n = sum(result["statuses"].values())
    print(f"{name:12s} rc {result['rc']} · {n} generations in {result['wall_s']:.1f} s "
          f"({n / result['wall_s']:.1f}/s) · statuses {dict(result['statuses'])} · per server "
          f"{[len(r) for r in received]} · in flight mean {sum(r.mean_in_flight() for r in received):.1f} "
          f"max {sum(r.max_in_flight for r in received)} · driver CPU {result['cpu_s']:.1f} s, "
          f"peak RSS {result['peak_rss_mb']:.0f} MB", flush=True)
    if result["rc"] != 0:
        print(f"  {result['stderr_tail']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=1200)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--num-cpus", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    opts = parser.parse_args()
    print(f"MulDimIF, {opts.limit} prompts, {opts.servers} loopback servers, {opts.latency:g} s per request, "
          f"concurrency {opts.concurrency}")
    scenario("vllm-server", "vllm-server:m", ["--concurrency", str(opts.concurrency)], opts)
    workers = max(1, opts.concurrency // opts.servers)
    scenario("ray-http", "ray-http:m", ["-M", f"num_cpus={opts.num_cpus}", "-M", f"workers={workers}",
                                        "-M", f"batch_size={opts.batch_size}"], opts)


if __name__ == "__main__":
    main()
