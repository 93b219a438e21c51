"""``enjoin judge``: run the pipeline outside pytest and print the verdict.

``--save-snapshot PATH`` keeps what the run read as an evidence file (:mod:`enjoin.report.evidence`);
``--snapshot PATH`` judges such a file instead of deploying and reading: no backend is started and no AWS call is
made, so a night's evidence can be judged again on another date (``--as-of``) or under a later order.

Exit codes (:mod:`enjoin.exitcodes`): 0 COMPLIANT or only NOT_APPLICABLE, 1 VIOLATION or INDETERMINATE, 2 bad input
(the configuration, a template, the case, an option), 3 enjoin's own failure or its environment (no Docker engine;
with ``ENJOIN_DEBUG=1`` a failure of enjoin's own prints its traceback).
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
from enjoin.exitcodes import ExitCode, for_error, for_verdict


def _output_path(flag: str, given: str | None, what: str) -> Path | None:
    """An output file's path, checked before the run: a directory that does not exist is found now, not after it."""
    if not given:
        return None
    from enjoin.report.evidence import output_problem

    path = Path(os.path.abspath(given))
    problem = output_problem(path, what)
    if problem is not None:
        raise ValueError(f"{flag} {given}: {problem}")
    return path


def parser() -> argparse.ArgumentParser:
    """The options of ``enjoin judge`` (the nightly example's test checks its command lines against them)."""
    parser = argparse.ArgumentParser(prog="enjoin judge", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="enjoin.yaml", help="the deployment's enjoin.yaml")
    parser.add_argument("--backend", default=None, help="moto (default), container or live")
    parser.add_argument("--image", default=None, help="emulator image for the container backend")
    parser.add_argument(
        "--as-of", default=None, help="judge on this date (YYYY-MM-DD) instead of the config's"
    )
    parser.add_argument("--report", default=None, help="write the JSON verdict report to this path")
    parser.add_argument("--json", action="store_true", help="print the JSON report instead of the summary")
    parser.add_argument("--save-snapshot", default=None, metavar="PATH",
                        help="write what the run read as an evidence file, to judge again later with --snapshot")
    parser.add_argument("--snapshot", default=None, metavar="PATH",
                        help="judge this evidence file (from --save-snapshot) instead of deploying: no AWS access")
    return parser


def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)  # a usage mistake exits 2 (argparse), as bad input does
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        print(f"enjoin judge: --as-of: expected a date YYYY-MM-DD; found {args.as_of!r}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    if args.snapshot is not None:
        given = next(((flag, value) for flag, value in (("--backend", args.backend), ("--image", args.image),
                      ("--save-snapshot", args.save_snapshot)) if value is not None), None)
        if given is not None:
            print(f"enjoin judge: --snapshot {args.snapshot}: expected it alone (a saved snapshot is judged without "
                  f"deploying or reading anything); found {given[0]} {given[1]} too", file=sys.stderr)
            return ExitCode.BAD_INPUT
    try:
        report_path = _output_path("--report", args.report, "the JSON report")
        evidence_path = _output_path("--save-snapshot", args.save_snapshot, "the evidence file")
    except ValueError as exc:
        print(f"enjoin judge: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    from enjoin.pipeline import run_pipeline
    from enjoin.report import evidence, summary, to_report

    backend = args.backend or "moto"
    provenance = ""
    taken: evidence.Evidence | None = None
    try:
        if args.snapshot is not None:
            result, saved = evidence.judge_evidence(Path(args.config), Path(args.snapshot), as_of)
            same = {True: "the configuration files are those it was taken under",
                    False: "the configuration files changed since it was taken",
                    None: "the configuration files it was taken under cannot be compared"}[
                evidence.unchanged(result.config, saved)]
            provenance = f"enjoin: judging the snapshot {args.snapshot}, {saved.describe()}; {same}\n"
        else:
            started = dt.datetime.now(dt.UTC)
            result = run_pipeline(Path(args.config), backend, image=args.image, as_of=as_of)
            taken = evidence.take(result.config, result.snapshot, backend, started) if evidence_path else None
    except EnjoinError as exc:
        print(f"enjoin judge: {exc}", file=sys.stderr)
        return for_error(exc)
    except Exception as exc:  # enjoin's own failure: one line, the traceback on request
        print(f"enjoin judge: enjoin failed: {type(exc).__name__}: {exc} (a bug in enjoin, not in your input; "
              "ENJOIN_DEBUG=1 shows the traceback)", file=sys.stderr)
        if os.environ.get("ENJOIN_DEBUG") == "1":
            traceback.print_exc()
        return ExitCode.ENJOIN_FAILED
    if evidence_path is not None and taken is not None:
        try:
            evidence.save(taken, evidence_path)
        except OSError as exc:
            print(f"enjoin judge: --save-snapshot {args.save_snapshot}: expected to write the evidence file; found "
                  f"{exc.strerror or exc}", file=sys.stderr)
            return ExitCode.ENJOIN_FAILED
    report = to_report(result.judgment)
    if report_path is not None:
        try:
            report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"enjoin judge: --report {args.report}: expected to write the report; found {exc.strerror}",
                  file=sys.stderr)
            return ExitCode.ENJOIN_FAILED
    print(json.dumps(report, indent=2) if args.json else provenance + summary(result.judgment))
    return for_verdict(result.judgment.verdict)
