"""``enjoin judge``: run the pipeline outside pytest and print the verdict (exit 1 unless COMPLIANT)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from enjoin.errors import EnjoinError


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="enjoin judge", description=__doc__)
    parser.add_argument("--config", default="enjoin.yaml", help="the deployment's enjoin.yaml")
    parser.add_argument("--backend", default="moto", help="moto (default), container or live")
    parser.add_argument("--image", default=None, help="emulator image for the container backend")
    parser.add_argument(
        "--as-of", default=None, help="judge on this date (YYYY-MM-DD) instead of the config's"
    )
    parser.add_argument("--report", default=None, help="write the JSON verdict report to this path")
    parser.add_argument("--json", action="store_true", help="print the JSON report instead of the summary")
    args = parser.parse_args(argv)
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        print(f"enjoin judge: --as-of: expected a date YYYY-MM-DD; found {args.as_of!r}", file=sys.stderr)
        return 2
    from enjoin.judgment import Verdict
    from enjoin.pipeline import run_pipeline
    from enjoin.report import summary, to_report

    try:
        result = run_pipeline(Path(args.config), args.backend, image=args.image, as_of=as_of)
    except EnjoinError as exc:
        print(f"enjoin judge: {exc}", file=sys.stderr)
        return 2
    report = to_report(result.judgment)
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2) if args.json else summary(result.judgment))
    return 0 if result.judgment.verdict in (Verdict.COMPLIANT, Verdict.NOT_APPLICABLE) else 1
