"""``scripts/bench_live.py`` runs on a small organisation and prints the lines it promises (no timing is asserted:
the machine is shared and noisy)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "bench_live.py"


def test_the_live_benchmark_prints_its_rate_calls_memory_and_time_split(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ENJOIN_", "AWS_", "MOTO_"))}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--accounts", "3", "--roles", "5", "--buckets", "4"],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path, env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert re.search(r"^bench_live: 3 accounts x 5 roles x 4 buckets \(filled through the server's API: [\d,]+ "
                     r"requests in [\d.]+ s, not counted below\)$", out, re.M), out
    assert re.search(r"^inventory: 3 accounts in [\d.]+ s: [\d.]+ accounts per minute", out, re.M), out
    calls = re.search(r"^API calls: ([\d,]+) \(\d+ per account\): (.*)$", out, re.M)
    assert calls is not None, out
    services = dict(re.findall(r"(\w+) ([\d,]+)", calls.group(2)))
    assert {"sts", "iam", "s3", "kms"} <= set(services)
    assert sum(int(n.replace(",", "")) for n in services.values()) == int(calls.group(1).replace(",", ""))
    # Every role the fill made (5 per account, and the audit role), every bucket (4 per account).
    assert re.search(r"^read: 18 roles, 12 buckets, 3 keys; snapshot [\d.]+ MB of JSON$", out, re.M), out
    assert re.search(r"^peak memory: \d+ MB maximum resident set \(\d+ MB before the inventory", out, re.M), out
    assert re.search(r"^time: inventory [\d.]+ s, reach [\d.]+ s, judgment [\d.]+ s$", out, re.M), out
    assert re.search(r"^verdict: (COMPLIANT|VIOLATION|INDETERMINATE) \(DKT148-FIELDS ", out, re.M), out
    # The progress lines of a run in CI (not a terminal): on standard error, a line per tenth and at the end.
    assert "enjoin: read 3/3 accounts\n" in done.stderr
