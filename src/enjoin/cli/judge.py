"""``enjoin judge``: run the pipeline outside pytest and print the verdict.

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


def _report_path(given: str | None) -> Path | None:
    """The report's path, checked before the run: a directory that does not exist is found now, not after it."""
    if not given:
        return None
    path = Path(os.path.abspath(given))
    if path.is_dir():
        raise ValueError(f"--report {given}: expected a file path for the JSON report; found a directory")
    if not path.parent.is_dir():
        raise ValueError(f"--report {given}: expected a path in an existing directory; "
                         f"found no directory {path.parent}")
    if not os.access(path.parent, os.W_OK):
        raise ValueError(f"--report {given}: expected a directory enjoin may write to; "
                         f"found {path.parent} not writable")
    return path


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="enjoin judge", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="enjoin.yaml", help="the deployment's enjoin.yaml")
    parser.add_argument("--backend", default="moto", help="moto (default), container or live")
    parser.add_argument("--image", default=None, help="emulator image for the container backend")
    parser.add_argument(
        "--as-of", default=None, help="judge on this date (YYYY-MM-DD) instead of the config's"
    )
    parser.add_argument("--report", default=None, help="write the JSON verdict report to this path")
    parser.add_argument("--json", action="store_true", help="print the JSON report instead of the summary")
    args = parser.parse_args(argv)  # a usage mistake exits 2 (argparse), as bad input does
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        print(f"enjoin judge: --as-of: expected a date YYYY-MM-DD; found {args.as_of!r}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    try:
        report_path = _report_path(args.report)
    except ValueError as exc:
        print(f"enjoin judge: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    from enjoin.pipeline import run_pipeline
    from enjoin.report import summary, to_report

    try:
        result = run_pipeline(Path(args.config), args.backend, image=args.image, as_of=as_of)
    except EnjoinError as exc:
        print(f"enjoin judge: {exc}", file=sys.stderr)
        return for_error(exc)
    except Exception as exc:  # enjoin's own failure: one line, the traceback on request
        print(f"enjoin judge: enjoin failed: {type(exc).__name__}: {exc} (a bug in enjoin, not in your input; "
              "ENJOIN_DEBUG=1 shows the traceback)", file=sys.stderr)
        if os.environ.get("ENJOIN_DEBUG") == "1":
            traceback.print_exc()
        return ExitCode.ENJOIN_FAILED
    report = to_report(result.judgment)
    if report_path is not None:
        try:
            report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"enjoin judge: --report {args.report}: expected to write the report; found {exc.strerror}",
                  file=sys.stderr)
            return ExitCode.ENJOIN_FAILED
    print(json.dumps(report, indent=2) if args.json else summary(result.judgment))
    return for_verdict(result.judgment.verdict)
