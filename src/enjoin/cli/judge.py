"""``enjoin judge``: run the pipeline outside pytest and print the verdict.

``--save-snapshot PATH`` keeps what the run read as an evidence file (:mod:`enjoin.report.evidence`);
``--snapshot PATH`` judges such a file instead of deploying and reading: no backend is started and no AWS call is
made, so a night's evidence can be judged again on another date (``--as-of``) or under a later order.

``--report``, ``--html``, ``--sarif`` and ``--oscal`` write the report in each format (each reads the JSON contract,
provenance included); ``--evidence DIR`` writes them all with the snapshot and a manifest of their SHA-256
(:mod:`enjoin.report.bundle`; re-check it with ``enjoin verify-evidence DIR``). Every output's directory is checked
before the run.

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from enjoin.errors import EnjoinError
from enjoin.exitcodes import ExitCode, for_error, for_verdict
from enjoin.report import bundle
from enjoin.report.bundle import RENDERINGS


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
    parser.add_argument("--html", default=None, metavar="PATH", help="write the HTML report (one page) to this path")
    parser.add_argument("--sarif", default=None, metavar="PATH", help="write the SARIF 2.1.0 report to this path")
    parser.add_argument("--oscal", default=None, metavar="PATH",
                        help="write the OSCAL assessment results (JSON) to this path")
    parser.add_argument("--evidence", default=None, metavar="DIR",
                        help="write the evidence bundle (every report, the snapshot, a manifest of SHA-256) in this "
                             "directory: created if missing, else it must be empty")
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
        renderings = {kind: path for kind in RENDERINGS
                      if (path := _rendering_path(kind, getattr(args, kind))) is not None}
        bundle_dir = _bundle_path(args.evidence)
    except ValueError as exc:
        print(f"enjoin judge: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    from enjoin.pipeline import run_pipeline
    from enjoin.report import evidence, provenance, summary, to_report

    backend = args.backend or "moto"
    told = ""
    taken: evidence.Evidence | None = None
    started = dt.datetime.now(dt.UTC)
    try:
        if args.snapshot is not None:
            result, saved = evidence.judge_evidence(Path(args.config), Path(args.snapshot), as_of)
            same = {True: "the configuration files are those it was taken under",
                    False: "the configuration files changed since it was taken",
                    None: "the configuration files it was taken under cannot be compared"}[
                evidence.unchanged(result.config, saved)]
            told = f"enjoin: judging the snapshot {args.snapshot}, {saved.describe()}; {same}\n"
            made = provenance.of_snapshot(result.config, saved, Path(args.snapshot), started, dt.datetime.now(dt.UTC))
            snapshot_text = Path(args.snapshot).read_text(encoding="utf-8") if bundle_dir else ""
        else:
            result = run_pipeline(Path(args.config), backend, image=args.image, as_of=as_of)
            made = provenance.of_run(result.config, backend, started, dt.datetime.now(dt.UTC))
            wanted = evidence_path is not None or bundle_dir is not None
            taken = evidence.take(result.config, result.snapshot, backend, started) if wanted else None
            snapshot_text = taken.to_json() if taken is not None else ""
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
    report = to_report(result.judgment, made.to_dict())
    outputs: list[tuple[str, str, Path, Callable[[], object]]] = []
    if report_path is not None:
        text = json.dumps(report, indent=2) + "\n"
        outputs.append(("--report", "the report", report_path, lambda: evidence.write_atomically(report_path, text)))
    outputs.extend((f"--{kind}", RENDERINGS[kind][2], path, _writer(kind, report, path))
                   for kind, path in renderings.items())
    if bundle_dir is not None:
        outputs.append(("--evidence", "the evidence bundle", bundle_dir,
                        lambda: bundle.write(bundle_dir, report, snapshot_text)))
    for flag, what, path, write in outputs:
        try:
            write()
        except OSError as exc:
            print(f"enjoin judge: {flag} {path}: expected to write {what}; found {exc.strerror or exc}",
                  file=sys.stderr)
            return ExitCode.ENJOIN_FAILED
        except EnjoinError as exc:
            print(f"enjoin judge: {flag} {path}: {exc}", file=sys.stderr)
            return for_error(exc)
        except Exception as exc:  # a renderer's own failure: enjoin's, one line, the traceback on request
            print(f"enjoin judge: {flag} {path}: enjoin failed to write {what}: {type(exc).__name__}: {exc} (a bug "
                  "in enjoin; ENJOIN_DEBUG=1 shows the traceback)", file=sys.stderr)
            if os.environ.get("ENJOIN_DEBUG") == "1":
                traceback.print_exc()
            return ExitCode.ENJOIN_FAILED
    print(json.dumps(report, indent=2) if args.json else told + summary(result.judgment))
    return for_verdict(result.judgment.verdict)


def _writer(kind: str, report: dict[str, Any], path: Path) -> Callable[[], None]:
    from enjoin.report.evidence import write_atomically

    return lambda: write_atomically(path, bundle.render_text(kind, report))


def _rendering_path(kind: str, given: str | None) -> Path | None:
    """A rendering's path, checked before the run: its directory, and that this enjoin has its renderer."""
    path = _output_path(f"--{kind}", given, RENDERINGS[kind][2])
    problem = bundle.missing_renderer(kind) if path is not None else None
    if problem is not None:
        raise ValueError(f"--{kind} {given}: {problem}")
    return path


def _bundle_path(given: str | None) -> Path | None:
    """The evidence bundle's directory, checked before the run: new (its parent exists) or empty."""
    if not given:
        return None
    path = Path(os.path.abspath(given))
    problem = bundle.directory_problem(path) or next(filter(None, map(bundle.missing_renderer, RENDERINGS)), None)
    if problem is not None:
        raise ValueError(f"--evidence {given}: {problem}")
    return path
