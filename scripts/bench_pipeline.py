"""Times each stage of the pipeline on a deployment (default: the reference enjoin.yaml).

Prints deploy (backend start + CloudFormation + fixups + verification), inventory, reach and judgment,
each the median of --runs runs, and their total. Run: python scripts/bench_pipeline.py [--config PATH]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from enjoin.backends import get_backend
from enjoin.case import load_case
from enjoin.config import load
from enjoin.deploy import deploy
from enjoin.inventory import inventory
from enjoin.judgment import judge
from enjoin.reach import compute_reach


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(Path(__file__).resolve().parents[1] / "enjoin.yaml"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"deploy": [], "inventory": [], "reach": [], "judgment": []}
    verdict = None
    for _ in range(args.runs):
        config = load(args.config)
        case = load_case(config.case)
        backend = get_backend("moto")
        t0 = time.perf_counter()
        backend.start()
        try:
            deployment = deploy(backend, config)
            t1 = time.perf_counter()
            snapshot = inventory(
                backend,
                tuple(config.accounts.values()),
                config.region,
                deployment.organization,
                deployment.declared(),
            )
            t2 = time.perf_counter()
        finally:
            backend.stop()
        reach = compute_reach(snapshot, config.parties, config.holdings, config.region)
        t3 = time.perf_counter()
        judgment = judge(case, config.holdings, reach, config.decisions, config.as_of)
        t4 = time.perf_counter()
        verdict = judgment.verdict.value
        for name, value in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            times[name].append(value)
    total = 0.0
    print(f"pipeline on {args.config} (median of {args.runs} runs; verdict {verdict})")
    for name, values in times.items():
        median = statistics.median(values)
        total += median
        print(f"  {name:<10} {median * 1000:9.1f} ms")
    print(f"  {'total':<10} {total * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
