"""Benchmark ``enjoin decide`` as a whole process against principalmapper 1.1.5's local evaluation.

Generates a seeded file of distinct cases in the format ``enjoin decide`` reads (JSON Lines), each
case carrying its own policies: a principal of its own with one to six identity policies of 1-20
statements (wildcards, NotAction, NotResource, conditions of several operator families), sometimes
a permissions boundary, a session policy (roles) and SCP levels, and the policy of its resource
(bucket, queue, key, trust policy) when that kind of resource has one. The statements and
conditions are those of ``scripts/bench_engine.py``, generated afresh for every case: no two cases
share a document, so nothing compiled for one case helps the next.

Then, in one run, it times

- enjoin: ``python -m enjoin.cli decide FILE`` as a subprocess, its output written to a file as a
  user would: the whole process, interpreter start-up, imports, reading and checking the JSON,
  compiling every policy, deciding, rendering explanations and writing JSON included;
- principalmapper, in this process: for each case, building its ``Policy``, ``Node`` and SCP
  ``Policy`` objects from the case's parsed JSON and calling ``local_check_authorization_full``.
  Counted: object construction and the call. Not counted: reading and parsing the file (done once,
  before timing, in its favour) and importing principalmapper.

Both sides are timed by CPU seconds (the child's from ``resource.getrusage``, this process's from
``time.process_time``: the machine is shared, wall time would count other processes' time slices)
and by wall time; the rounds alternate the two sides and the best round of each is kept. It prints
both throughputs, the ratio, and how many allow/deny answers agree.

Like for like: both sides get the same principal, action, resource, resource account, principal
tags and id, request context, identity policies, boundary, session policy, SCPs and resource
policy. What principalmapper cannot take is not generated: resource control policies (RCPs),
``aws:PrincipalOrgID``/``aws:PrincipalOrgPaths`` and resource tags as case fields, the existential
question (``--any-context``). principalmapper gives no explanation; enjoin writes one per case.

    python scripts/bench_decide.py --cases 10000 --seed 1 [--rounds 3] [--profile]

``--profile`` runs the command in this process under cProfile instead and prints the functions
with the most time of their own, with the shares of the main stages. Two floors of the whole
process are printed too: its start-up (the command on a one-case file) and the time Python's
``json`` takes to parse the file. principalmapper is a dev-only dependency; this script is never
imported by the library.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "engine"))

from bench_engine import (  # noqa: E402 - the scripts directory is put on the path just above
    ACCOUNTS,
    IPS,
    Principal,
    Resource,
    identity_policy,
    resource_policy,
    resources,
)
from gen import import_pmapper  # noqa: E402 - likewise

Doc = dict[str, Any]
ALLOW_ALL: Doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def case(rng: random.Random, index: int, universe: list[Resource]) -> Doc:
    """One case with policies of its own (``index`` makes its principal its own too)."""
    acct = ACCOUNTS[rng.random() < 0.2]
    role = rng.random() < 0.3
    kind = "role" if role else "user"
    principal = f"arn:aws:iam::{acct}:{kind}/{kind}{index:05d}"
    tags = {"team": rng.choice(["data", "ops", "eng"])}
    conditions = 0.3
    target = rng.choice(universe)
    out: Doc = {
        "name": f"case {index}",
        "principal": principal,
        "action": rng.choice(target.actions),
        "resource": target.arn,
        "resource_account": target.account,
        "principal_id": ("AROA" if role else "AIDA") + f"{index:017d}",
        "principal_tags": tags,
        "identity_policies": [identity_policy(rng, universe, conditions) for _ in range(rng.randint(1, 6))],
    }
    if rng.random() < 0.15:
        out["permissions_boundary"] = identity_policy(rng, universe, conditions)
    if role and rng.random() < 0.15:
        out["session_policy"] = identity_policy(rng, universe, conditions)
    if rng.random() < 0.15:
        out["scps"] = [
            [ALLOW_ALL if rng.random() < 0.6 else identity_policy(rng, universe, conditions)]
            for _ in range(rng.randint(1, 3))
        ]
    wants = target.service in ("kms", "sts") or (target.service in ("s3", "sqs") and rng.random() < 0.7)
    if wants:
        # Among the principals a resource policy names, this case's own (bench_engine draws from a list).
        others = [Principal(f"arn:aws:iam::{rng.choice(ACCOUNTS)}:user/user{rng.randrange(99999):05d}", "", "", {})]
        me = Principal(principal, acct, "", tags)
        out["resource_policy"] = resource_policy(rng, target, [me, me, *others], conditions)
    context: Doc = {
        "aws:SourceIp": rng.choice(IPS),
        "aws:SecureTransport": rng.choice(("true", "true", "false")),
        "aws:CurrentTime": "2026-03-01T00:00:00Z",
    }
    if target.service == "s3" and rng.random() < 0.5:
        context["s3:prefix"] = rng.choice(["team0/", "team1/x", "home/user001/"])
    out["context"] = context
    return out


def cases(seed: int, count: int) -> list[Doc]:
    """``count`` cases from ``seed`` (deterministic)."""
    rng = random.Random(seed)
    universe = resources(rng)
    return [case(rng, i, universe) for i in range(count)]


def write_cases(items: list[Doc], path: Path) -> int:
    """Write the cases as JSON Lines; returns how many are distinct without their names."""
    lines = [json.dumps(c) for c in items]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len({json.dumps({k: v for k, v in c.items() if k != "name"}, sort_keys=True) for c in items})


# --------------------------------------------------------------------------- the two sides


def enjoin_process(path: Path, output: Path) -> tuple[float, float, int]:
    """Run ``enjoin decide`` on the file as a subprocess; its wall and CPU seconds and exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with output.open("wb") as sink:
        done = subprocess.run(
            [sys.executable, "-m", "enjoin.cli", "decide", str(path)], stdout=sink, check=False
        )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def pmapper_side(items: list[Doc]) -> tuple[list[bool | None], float, float]:
    """principalmapper's answers (None where it raised) and its wall and CPU seconds."""
    from principalmapper.common import Node, Policy

    qi = import_pmapper()

    def answer(c: Doc) -> bool | None:
        acct = c["principal"].split(":")[4]
        pols = [Policy(f"arn:aws:iam::{acct}:policy/p{i}", f"p{i}", d) for i, d in enumerate(c["identity_policies"])]
        boundary = c.get("permissions_boundary")
        node = Node(
            c["principal"],
            c["principal_id"],
            pols,
            [],
            {} if ":role/" in c["principal"] else None,
            None,
            0,
            False,
            False,
            None if boundary is None else Policy(f"arn:aws:iam::{acct}:policy/b", "b", boundary),
            False,
            c["principal_tags"],
        )
        scps = c.get("scps")
        groups = None
        if scps is not None:
            groups = [
                [Policy(f"arn:aws:organizations::{acct}:policy/p-{i}{j}", f"scp{i}{j}", d) for j, d in enumerate(level)]
                for i, level in enumerate(scps)
            ]
        try:
            return bool(
                qi.local_check_authorization_full(
                    principal=node,
                    action_to_check=c["action"],
                    resource_to_check=c["resource"],
                    condition_keys_to_check=c["context"],
                    resource_policy=c.get("resource_policy"),
                    resource_owner=c["resource_account"],
                    service_control_policy_groups=groups,
                    session_policy=c.get("session_policy"),
                )
            )
        except Exception:  # principalmapper raises on some patterns; the time still counts
            return None

    started_cpu, started = time.process_time(), time.perf_counter()
    answers = [answer(c) for c in items]
    return answers, time.perf_counter() - started, time.process_time() - started_cpu


# --------------------------------------------------------------------------- profile


STAGES = (
    ("reading and parsing JSON", ("read_cases", "_json_lines", "read_input")),
    ("checking cases, compiling policies", ("build_request",)),
    ("deciding and explaining", ("answer",)),
)


def profile(path: Path, top: int) -> str:
    """``enjoin decide`` on the file in this process under cProfile: stage shares and top functions."""
    from enjoin.cli import decide as command

    prof = cProfile.Profile()
    sink = io.StringIO()
    prof.enable()
    command.run([str(path)], stdout=sink)
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt  # type: ignore[attr-defined]
    lines = [f"profile of enjoin decide in-process: {total:.3f} s under cProfile"]
    cumulative = {func[2]: value[3] for func, value in stats.stats.items()  # type: ignore[attr-defined]
                  if func[0].endswith(os.path.join("cli", "decide.py"))}
    for title, names in STAGES:
        seconds = max((cumulative.get(n, 0.0) for n in names), default=0.0)
        lines.append(f"  {title}: {100 * seconds / total:.0f}%")
    text = io.StringIO()
    stats.stream = text  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(top)
    return "\n".join(lines) + "\n" + text.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="distinct cases (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of both sides; the best of each counts")
    parser.add_argument("--profile", action="store_true", help="profile enjoin decide in-process instead")
    parser.add_argument("--top", type=int, default=25, help="functions the profile lists (default 25)")
    args = parser.parse_args(argv)

    items = cases(args.seed, args.cases)
    with tempfile.TemporaryDirectory(prefix="bench-decide-") as scratch:
        path, output = Path(scratch) / "cases.jsonl", Path(scratch) / "decisions.jsonl"
        distinct = write_cases(items, path)
        statements = sum(
            len(d["Statement"])
            for c in items
            for d in [*c["identity_policies"], c.get("permissions_boundary"), c.get("session_policy"),
                      c.get("resource_policy"), *(d for level in c.get("scps", ()) for d in level)]
            if d is not None
        )
        print(
            f"input: {len(items)} cases ({distinct} distinct), {statements} policy statements, "
            f"{path.stat().st_size / 1e6:.1f} MB of JSON Lines"
        )
        if args.profile:
            print(profile(path, args.top))
            return 0
        best_enjoin = best_pm = (float("inf"), float("inf"))
        pm_answers: list[bool | None] = []
        code = 0
        for round_ in range(args.rounds):
            # Alternate which side goes first, so that a change in the machine's load weighs on both.
            for side in ((0, 1) if round_ % 2 == 0 else (1, 0)):
                if side == 0:
                    wall, cpu, code = enjoin_process(path, output)
                    best_enjoin = min(best_enjoin, (cpu, wall))
                else:
                    pm_answers, wall, cpu = pmapper_side(items)
                    best_pm = min(best_pm, (cpu, wall))
        lines = output.read_text(encoding="utf-8").splitlines()
        # Two floors of the whole process: start-up (one case), and parsing the file's JSON.
        one = Path(scratch) / "one.jsonl"
        write_cases(items[:1], one)
        startup = min(enjoin_process(one, Path(os.devnull))[1] for _ in range(3))
        started = time.process_time()
        for line in path.read_text(encoding="utf-8").splitlines():
            json.loads(line)
        parsing = time.process_time() - started
    decisions = [json.loads(line)["decision"] for line in lines]
    n = len(items)
    print(f"timing: best of {args.rounds} rounds, by CPU seconds (wall seconds beside them)")
    print(
        f"enjoin decide, whole process: {n / best_enjoin[0]:>9,.0f} cases/s  "
        f"({best_enjoin[0]:.3f} s; wall {best_enjoin[1]:.3f} s; exit code {code})"
    )
    print(f"  of which start-up (the same command on one case): {startup:.3f} s")
    print(f"  parsing the file's JSON alone (json.loads a line, in this process): {parsing:.3f} s")
    print(
        f"principalmapper in-process:   {n / best_pm[0]:>9,.0f} cases/s  "
        f"({best_pm[0]:.3f} s; wall {best_pm[1]:.3f} s)"
    )
    print(
        f"ratio enjoin / principalmapper: {best_pm[0] / best_enjoin[0]:.2f}x CPU "
        f"({best_pm[1] / best_enjoin[1]:.2f}x wall)"
    )
    same = sum((d == "ALLOW") == a for d, a in zip(decisions, pm_answers, strict=True) if a is not None)
    raised = sum(a is None for a in pm_answers)
    print(f"enjoin's decisions: {dict(Counter(decisions))}")
    print(f"same allow/deny answer as principalmapper on {same} of {n} ({raised} where principalmapper raised)")
    return 0 if code == 0 and len(decisions) == n else 1


if __name__ == "__main__":
    raise SystemExit(main())
