"""The ``enjoin`` console command: a thin dispatcher over the library's entry points.

Subcommands:
    decide FILE [--any-context]   answer authorization questions with the engine (see ``enjoin.cli.decide``)
    judge  [--config enjoin.yaml] [--report verdict.json] [--backend moto]   run the pipeline, print verdicts
    drift  [--config enjoin.yaml] [--report drift.json] [--code-snapshot F] [--live-snapshot F]   the reviewed
           code (deployed into moto) against the live accounts: verdicts per clause, differences per item
    verify-evidence DIR   re-check an evidence bundle (from --evidence) against its manifest: exit 0 intact, 1 not
    init   [DIR]   write a starting enjoin.yaml and .github/workflows/enjoin.yml for the CloudFormation under DIR

Exit codes (``enjoin.exitcodes``): 0 COMPLIANT (or only NOT_APPLICABLE), 1 VIOLATION or INDETERMINATE, 2 bad
input, 3 enjoin's own failure or its environment; ``enjoin drift`` exits 1 when live is worse on a clause or anything
access-relevant drifted. Output piped into a reader that stops early (``| head``) ends
the command quietly.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    try:
        return _dispatch(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:
        # The reader went away (`enjoin decide cases.jsonl | head`): what it did not read is not an error.
        # stdout is pointed at /dev/null so that the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("enjoin: interrupted", file=sys.stderr)
        return 130


def _dispatch(args: list[str]) -> int:
    if not args or args[0] in {"-h", "--help"}:
        print(__doc__)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "decide":
        from enjoin.cli.decide import run

        return run(rest)
    if command == "judge":
        from enjoin.cli.judge import run as run_judge

        return run_judge(rest)
    if command == "drift":
        from enjoin.cli.drift import run as run_drift

        return run_drift(rest)
    if command == "verify-evidence":
        from enjoin.cli.verify import run as run_verify

        return run_verify(rest)
    if command == "init":
        from enjoin.cli.init import run as run_init

        return run_init(rest)
    print(f"enjoin: unknown command {command!r}; expected one of: decide, drift, init, judge, verify-evidence",
          file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
