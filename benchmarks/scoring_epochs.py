"""Scoring time with several epochs: ``score_pack`` on MulDimIF check rows, one process, one core.

Usage: python benchmarks/scoring_epochs.py [--data-dir ../shared/data] [--epochs 5] [--repeat 3]

Every MulDimIF sample gets ``--epochs`` epochs of seeded verdicts (each constraint passes with
probability 0.7, the same constraints as the pack's), so the pack has 1,200 × epochs units and
the scorer reports ``mean``, ``pass@1`` and ``pass@<epochs>`` beside the core metrics, each with
its 95% CI. Prints CPU seconds (``time.process_time``) of the whole scoring and of each metric's
confidence interval, and one paired bootstrap (``evalkit compare``) of ``pass@<epochs>`` between
two such runs.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

from evalkit.metrics import Metric, compute
from evalkit.records import CheckRow
from evalkit.resample import paired_bootstrap
from evalkit.scoring import build_records, metric_ci, score_pack
from evalkit.tasks.muldimif import PACK

HERE = Path(__file__).resolve().parent


def _checks(data_dir: Path, epochs: int, seed: int) -> list[CheckRow]:
    """Seeded verdicts for every constraint of every sample in every epoch."""
    rng = random.Random(seed)
    rows = []
    for sample in PACK.load(data_dir):
        for epoch in range(epochs):
            for i, c in enumerate(sample.constraints):
                rows.append(CheckRow(pack=PACK.name, sample_id=sample.id, epoch=epoch, constraint_index=i,
                                     checker=c.checker, params=c.params, passed=rng.random() < 0.7, status="ok"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=HERE.parents[1] / "shared" / "data")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"cpu cores: {os.cpu_count()} (one used)")
    base, cur = _checks(args.data_dir, args.epochs, 1), _checks(args.data_dir, args.epochs, 2)
    print(f"{len(cur):,} check rows, {args.epochs} epochs")
    for run in range(args.repeat):
        start = time.process_time()
        scores = score_pack(PACK, cur)
        print(f"pass {run + 1}: score_pack {time.process_time() - start:.3f} CPU s")
    records = build_records(PACK, cur)
    for decl in scores["metric_declarations"]:
        metric = Metric.from_json(decl)
        start = time.process_time()
        ci, method = metric_ci(metric, records, scores["metrics"][metric.name])
        print(f"  {metric.name:18s} {scores['metrics'][metric.name]:.4f}  CI [{ci[0]:.4f}, {ci[1]:.4f}] "
              f"({method}) in {time.process_time() - start:.3f} CPU s")
    top = Metric.from_json(scores["metric_declarations"][-1])
    base_records = build_records(PACK, base)
    start = time.process_time()
    lo, hi, p = paired_bootstrap(top.aggregate, base_records, records)
    delta = (compute(top.aggregate, records) or 0) - (compute(top.aggregate, base_records) or 0)
    print(f"paired bootstrap of {top.name}: change {delta:+.4f}, CI [{lo:.4f}, {hi:.4f}], p={p:.3g} "
          f"in {time.process_time() - start:.3f} CPU s")


if __name__ == "__main__":
    main()
