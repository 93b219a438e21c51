"""``enjoin verify-evidence DIR``: re-check an evidence bundle against its manifest (:mod:`enjoin.report.bundle`).

Prints one line per problem (a file changed, missing, or not listed) and exits 1, or says the bundle is intact and
exits 0; a directory that is not a bundle (no manifest, a malformed one) exits 2, naming what was expected and found.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from enjoin.errors import EnjoinError
from enjoin.exitcodes import ExitCode


def parser() -> argparse.ArgumentParser:
    """The options of ``enjoin verify-evidence``."""
    parser = argparse.ArgumentParser(prog="enjoin verify-evidence", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", metavar="DIR", help="the evidence bundle (written by --evidence)")
    return parser


def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    from enjoin.report.bundle import MANIFEST, verify

    directory = Path(args.directory)
    try:
        problems = verify(directory)
    except EnjoinError as exc:
        print(f"enjoin verify-evidence: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    for problem in problems:
        print(f"{directory}/{problem}")
    if problems:
        print(f"enjoin verify-evidence: {directory}: {len(problems)} problem(s); the bundle is not as written",
              file=sys.stderr)
        return ExitCode.FAILED
    print(f"{directory}: intact (every file matches {MANIFEST})")
    return ExitCode.COMPLIANT
