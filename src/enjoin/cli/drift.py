"""``enjoin drift``: the reviewed code against the live accounts, per clause and per item.

The code side is the configuration's templates deployed into in-process moto and read back (``--code-snapshot PATH``:
a saved evidence file instead); the live side is the accounts read through the live backend, the ``live:`` section
of enjoin.yaml (``--live-snapshot PATH``: a saved evidence file of a live run instead, to examine a night's evidence
again with no AWS access). Both are judged on the same date (``--as-of``, else the configuration's) and compared
(:mod:`enjoin.drift`).

Exit codes (:mod:`enjoin.exitcodes`): 0 no drift, and live worse on no clause; 1 live worse than the code on some
clause, or any access-relevant drift (an item console-created, missing live or changed; a finding only live); 2 bad
input (the configuration, a template, an evidence file, an option); 3 enjoin's own failure or its environment (the
live accounts cannot be reached; ``ENJOIN_DEBUG=1`` prints the traceback of a failure of enjoin's own).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import traceback
from pathlib import Path

from enjoin.errors import EnjoinError
from enjoin.exitcodes import ExitCode, for_drift, for_error


def parser() -> argparse.ArgumentParser:
    """The options of ``enjoin drift`` (the nightly example's test checks its command lines against them)."""
    parser = argparse.ArgumentParser(prog="enjoin drift", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="enjoin.yaml", help="the deployment's enjoin.yaml")
    parser.add_argument("--report", default=None, metavar="PATH", help="write the JSON drift report to this path")
    parser.add_argument("--json", action="store_true", help="print the JSON drift report instead of the summary")
    parser.add_argument("--as-of", default=None, help="judge both sides on this date (YYYY-MM-DD)")
    parser.add_argument("--code-snapshot", default=None, metavar="PATH",
                        help="the code side from this evidence file instead of deploying into moto")
    parser.add_argument("--live-snapshot", default=None, metavar="PATH",
                        help="the live side from this evidence file instead of reading the live accounts")
    return parser


def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)  # a usage mistake exits 2 (argparse), as bad input does
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        print(f"enjoin drift: --as-of: expected a date YYYY-MM-DD; found {args.as_of!r}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    report_path: Path | None = None
    if args.report:
        from enjoin.report.evidence import output_problem

        report_path = Path(os.path.abspath(args.report))
        problem = output_problem(report_path, "the JSON drift report")
        if problem is not None:
            print(f"enjoin drift: --report {args.report}: {problem}", file=sys.stderr)
            return ExitCode.BAD_INPUT
    from enjoin.config import load
    from enjoin.drift_run import code_side, live_side, own_roles, run_drift
    from enjoin.report.drift import summary, to_drift_report

    code_saved = Path(args.code_snapshot) if args.code_snapshot else None
    live_saved = Path(args.live_snapshot) if args.live_snapshot else None
    try:
        config = load(Path(args.config))
        # The live side first: a live section missing or wrong is found before minutes of deployment.
        live = live_side(config, as_of, live_saved)
        code = code_side(config, as_of, code_saved)
        result = run_drift(code, live, own_roles(config))
    except EnjoinError as exc:
        print(f"enjoin drift: {exc}", file=sys.stderr)
        return for_error(exc)
    except Exception as exc:  # enjoin's own failure: one line, the traceback on request
        print(f"enjoin drift: enjoin failed: {type(exc).__name__}: {exc} (a bug in enjoin, not in your input; "
              "ENJOIN_DEBUG=1 shows the traceback)", file=sys.stderr)
        if os.environ.get("ENJOIN_DEBUG") == "1":
            traceback.print_exc()
        return ExitCode.ENJOIN_FAILED
    report = to_drift_report(result.drift, code.judgment, code.source, live.source)
    if report_path is not None:
        from enjoin.report.evidence import write_atomically

        try:
            write_atomically(report_path, json.dumps(report, indent=2) + "\n")
        except OSError as exc:
            print(f"enjoin drift: --report {args.report}: expected to write the report; found {exc.strerror or exc}",
                  file=sys.stderr)
            return ExitCode.ENJOIN_FAILED
    print(json.dumps(report, indent=2) if args.json else summary(result.drift, code.source, live.source))
    return for_drift(result.drift.worse, result.drift.drifted)
