"""The ``enjoin`` console command: a thin dispatcher over the library's entry points.

Subcommands:
    decide FILE [--any-context]   answer authorization questions with the engine (see ``enjoin.cli.decide``)
    judge  [--config enjoin.yaml] [--report verdict.json] [--backend moto]   run the pipeline, print verdicts
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
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
    print(f"enjoin: unknown command {command!r}; expected one of: decide, judge", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
