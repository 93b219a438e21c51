"""Benchmark enjoin's authorization engine against principalmapper 1.1.5's local evaluation.

Generates a seeded workload (hundreds of principals holding thousands of identity policies of 1-20
statements with wildcards, NotAction, NotResource and conditions of several operator families;
bucket, queue, key and trust policies), then answers the SAME unique requests with enjoin's
``decide`` and principalmapper's ``local_check_authorization_full`` in one process and prints both
throughputs and their ratio, three times: on a first set of requests, the engine's first sight of
its policies; on a second set (requests neither side has seen, over the same policies), once
enjoin's memos (what each Action and Resource list of the policies says of each action and resource
seen) hold what the first taught them; and on
a third, answered by ``decide_many`` (a batch, decided grouped by principal: a principal's requests
share its policies, which then stay in the processor's caches).
Policy compilation (enjoin) and object construction (both) happen before the timed loops and are
reported separately. A second workload, every request of which meets at least one condition, times
the existential question (``possible``). ``decide`` is the compiled core when it is built (the line
``core:`` says which); ENJOIN_PURE_PYTHON=1 times the Python reference instead.

    python scripts/bench_engine.py --requests 20000 --seed 1 [--profile]

principalmapper is a dev-only dependency; this script is never imported by the library.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "engine"))

from gen import import_pmapper

from enjoin.engine import Decision, PolicyKind, Request, compile_policy, decide, possible
from enjoin.engine.evaluate import CORE, decide_many

ACCOUNTS = ("111111111111", "222222222222")
Doc = dict[str, Any]

# --------------------------------------------------------------------------- the universe


@dataclass(frozen=True)
class Resource:
    arn: str
    account: str
    service: str
    actions: tuple[str, ...]
    policy: Doc | None = None


@dataclass
class Principal:
    arn: str
    account: str
    principal_id: str
    tags: dict[str, str]
    policies: list[Doc] = field(default_factory=list)
    boundary: Doc | None = None


ACTIONS = {
    "s3": ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging", "s3:ListBucket"),
    "sqs": ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "dynamodb": ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"),
    "kms": ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"),
    "ec2": ("ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances"),
    "sts": ("sts:AssumeRole", "sts:TagSession"),
}
IPS = [f"10.{a}.{b}.{c}" for a in range(4) for b in range(8) for c in (5, 77, 200)] + [
    f"203.0.113.{i}" for i in range(0, 250, 7)
]


def resources(rng: random.Random) -> list[Resource]:
    out: list[Resource] = []
    for acct in ACCOUNTS:
        for b in range(30):
            bucket = f"bucket-{acct[-1]}-{b:02d}"
            for k in range(8):
                out.append(
                    Resource(f"arn:aws:s3:::{bucket}/team{k % 3}/obj{k}.csv", acct, "s3", ACTIONS["s3"][:4])
                )
            out.append(Resource(f"arn:aws:s3:::{bucket}", acct, "s3", ("s3:ListBucket",)))
        for q in range(15):
            out.append(Resource(f"arn:aws:sqs:us-east-1:{acct}:queue-{q}", acct, "sqs", ACTIONS["sqs"]))
        for t in range(15):
            out.append(
                Resource(
                    f"arn:aws:dynamodb:us-east-1:{acct}:table/t{t}", acct, "dynamodb", ACTIONS["dynamodb"]
                )
            )
        for i in range(10):
            out.append(
                Resource(f"arn:aws:ec2:us-east-1:{acct}:instance/i-{i:017x}", acct, "ec2", ACTIONS["ec2"])
            )
        for k in range(8):
            out.append(Resource(f"arn:aws:kms:us-east-1:{acct}:key/key-{k:04d}", acct, "kms", ACTIONS["kms"]))
        for r in range(8):
            out.append(Resource(f"arn:aws:iam::{acct}:role/target-{r}", acct, "sts", ("sts:AssumeRole",)))
    return out


def condition(rng: random.Random) -> Doc:
    """One or two condition operators from several families."""
    pool = [
        lambda: {"IpAddress": {"aws:SourceIp": rng.choice(["10.0.0.0/8", "10.1.0.0/16", "203.0.113.0/24"])}},
        lambda: {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
        lambda: {"Bool": {"aws:SecureTransport": rng.choice(["true", "false"])}},
        lambda: {"StringEquals": {"aws:PrincipalTag/team": rng.choice(["data", "ops", "eng"])}},
        lambda: {"StringLike": {"s3:prefix": rng.choice(["team0/*", "team1/*", "home/${aws:username}/*"])}},
        lambda: {"StringEqualsIfExists": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}},
        lambda: {"NumericLessThanEquals": {"s3:max-keys": rng.choice(["10", "100"])}},
        lambda: {
            "DateLessThan": {"aws:CurrentTime": rng.choice(["2025-01-01T00:00:00Z", "2027-01-01T00:00:00Z"])}
        },
        lambda: {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:*:{rng.choice(ACCOUNTS)}:*"}},
        lambda: {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "owner"]}},
        lambda: {"Null": {"aws:TokenIssueTime": rng.choice(["true", "false"])}},
    ]
    cond: Doc = {}
    for _ in range(rng.choice((1, 1, 2))):
        cond.update(rng.choice(pool)())
    return cond


def statement(rng: random.Random, universe: list[Resource], *, conditions: float) -> Doc:
    target = rng.choice(universe)
    action = rng.choice(target.actions)
    svc, name = action.split(":")
    action_pattern = rng.choice([action, action, f"{svc}:*", f"{svc}:{name[:3]}*", f"{svc}:Get*", "*"])
    arn = target.arn
    cut = max(arn.rfind("/"), arn.rfind(":")) + 1
    resource_pattern = rng.choice([arn, arn, arn[:cut] + "*", arn[: cut + 2] + "*", "*", arn[:-1] + "?"])
    st: Doc = {"Effect": "Deny" if rng.random() < 0.15 else "Allow"}
    if rng.random() < 0.08:
        st["NotAction"] = rng.choice([["iam:*", "organizations:*"], [f"{svc}:Delete*"]])
    else:
        st["Action"] = action_pattern if rng.random() < 0.7 else [action_pattern, rng.choice(ACTIONS[svc])]
    if rng.random() < 0.05:
        st["NotResource"] = [resource_pattern]
    else:
        st["Resource"] = resource_pattern
    if rng.random() < conditions:
        st["Condition"] = condition(rng)
    return st


def identity_policy(rng: random.Random, universe: list[Resource], conditions: float) -> Doc:
    return {
        "Version": "2012-10-17",
        "Statement": [statement(rng, universe, conditions=conditions) for _ in range(rng.randint(1, 20))],
    }


def resource_policy(rng: random.Random, res: Resource, principals: list[Principal], conditions: float) -> Doc:
    sts = []
    for _ in range(rng.randint(1, 6)):
        who: Any = rng.choice(
            [
                {"AWS": rng.choice(principals).arn},
                {"AWS": [rng.choice(principals).arn, rng.choice(principals).arn]},
                {"AWS": f"arn:aws:iam::{rng.choice(ACCOUNTS)}:root"},
                {"AWS": rng.choice(ACCOUNTS)},
            ]
            + (["*"] if res.service != "sts" else [])
        )
        st: Doc = {"Effect": "Deny" if rng.random() < 0.1 else "Allow", "Principal": who}
        st["Action"] = rng.choice([rng.choice(res.actions), f"{res.service}:*", list(res.actions[:2])])
        if res.service != "sts":
            st["Resource"] = rng.choice([res.arn, res.arn.rsplit("/", 1)[0] + "/*", "*"])
        if rng.random() < conditions:
            st["Condition"] = condition(rng)
        sts.append(st)
    return {"Version": "2012-10-17", "Statement": sts}


@dataclass
class Workload:
    principals: list[Principal]
    resources: list[Resource]
    requests: list[tuple[Principal, str, Resource, dict[str, Any]]]
    policy_count: int
    statement_count: int


def workload(seed: int, count: int, *, conditions: float, context: bool = True) -> Workload:
    """``count`` unique requests; without ``context`` they differ in principal, action or resource."""
    rng = random.Random(seed)
    universe = resources(rng)
    pool = [identity_policy(rng, universe, conditions) for _ in range(5000)]
    principals: list[Principal] = []
    for i in range(1000):
        acct = ACCOUNTS[i % 5 == 0]
        role = i % 4 == 0
        name = f"{'role' if role else 'user'}{i:03d}"
        arn = f"arn:aws:iam::{acct}:{'role' if role else 'user'}/{name}"
        p = Principal(
            arn,
            acct,
            ("AROA" if role else "AIDA") + f"{i:017d}",
            {"team": rng.choice(["data", "ops", "eng"])},
        )
        p.policies = rng.sample(pool, rng.randint(1, 6))
        if rng.random() < 0.15:
            p.boundary = identity_policy(rng, universe, conditions)
        principals.append(p)
    with_policies = []
    for res in universe:
        wants = res.service in ("kms", "sts") or (res.service in ("s3", "sqs") and rng.random() < 0.7)
        policy = resource_policy(rng, res, principals, conditions) if wants else None
        with_policies.append(Resource(res.arn, res.account, res.service, res.actions, policy))
    seen: set[tuple[str, str, str, str, str]] = set()
    requests = []
    while len(requests) < count:
        p, res = rng.choice(principals), rng.choice(with_policies)
        action = rng.choice(res.actions)
        ip, tls = rng.choice(IPS), rng.choice(("true", "true", "false"))
        key = (p.arn, action, res.arn, ip, tls) if context else (p.arn, action, res.arn, "", "")
        if key in seen:
            continue  # unique requests only: no answer is reused
        seen.add(key)
        ctx: dict[str, Any] = {
            "aws:SourceIp": ip,
            "aws:SecureTransport": tls,
            "aws:CurrentTime": "2026-03-01T00:00:00Z",
        }
        if res.service == "s3" and rng.random() < 0.5:
            ctx["s3:prefix"] = rng.choice(["team0/", "team1/x", "home/user001/"])
        requests.append((p, action, res, ctx))
    docs = [d for p in principals for d in p.policies] + [r.policy for r in with_policies if r.policy]
    distinct = {id(d): d for d in docs}
    return Workload(
        principals,
        with_policies,
        requests,
        len(distinct),
        sum(len(d["Statement"]) for d in distinct.values()),
    )


# --------------------------------------------------------------------------- the two evaluators


def enjoin_requests(w: Workload) -> tuple[list[Request], float]:
    """Requests with compiled policies, and the seconds compilation took."""
    started = time.perf_counter()
    compiled: dict[int, Any] = {}

    def comp(doc: Doc, kind: PolicyKind, label: str) -> Any:
        if id(doc) not in compiled:
            compiled[id(doc)] = compile_policy(doc, label=label, kind=kind)
        return compiled[id(doc)]

    for p in w.principals:
        for i, d in enumerate(p.policies):
            comp(d, PolicyKind.IDENTITY, f"{p.arn} policy {i}")
        if p.boundary is not None:
            comp(p.boundary, PolicyKind.BOUNDARY, f"{p.arn} boundary")
    for r in w.resources:
        if r.policy is not None:
            comp(r.policy, PolicyKind.RESOURCE, f"policy of {r.arn}")
    compile_seconds = time.perf_counter() - started
    requests = [
        Request(
            principal=p.arn,
            action=action,
            resource=res.arn,
            identity_policies=tuple(compiled[id(d)] for d in p.policies),
            permissions_boundary=None if p.boundary is None else compiled[id(p.boundary)],
            resource_policy=None if res.policy is None else compiled[id(res.policy)],
            resource_account=res.account,
            principal_tags=p.tags,
            principal_id=p.principal_id,
            context=ctx,
        )
        for p, action, res, ctx in w.requests
    ]
    return requests, compile_seconds


def pmapper_calls(w: Workload) -> list[dict[str, Any]]:
    from principalmapper.common import Node, Policy

    nodes = {}
    for p in w.principals:
        pols = [Policy(f"arn:aws:iam::{p.account}:policy/p{i}", f"p{i}", d) for i, d in enumerate(p.policies)]
        boundary = (
            None if p.boundary is None else Policy(f"arn:aws:iam::{p.account}:policy/b", "b", p.boundary)
        )
        role = ":role/" in p.arn
        nodes[p.arn] = Node(
            p.arn,
            p.principal_id,
            pols,
            [],
            {} if role else None,
            None,
            0,
            False,
            False,
            boundary,
            False,
            p.tags,
        )
    return [
        {
            "principal": nodes[p.arn],
            "action_to_check": action,
            "resource_to_check": res.arn,
            "condition_keys_to_check": ctx,
            "resource_policy": res.policy,
            "resource_owner": res.account,
            "service_control_policy_groups": None,
            "session_policy": None,
        }
        for p, action, res, ctx in w.requests
    ]


def timed(fn: Any, items: list[Any]) -> tuple[list[Any], float]:
    """Answers for a list of items and the CPU seconds of this process they took (the machine is
    shared: wall time would count other processes' time slices)."""
    started = time.process_time()
    out = fn(items)
    return out, time.process_time() - started


def one_by_one(fn: Any) -> Any:
    """A side that answers a list of items by calling ``fn`` on each."""
    return lambda items: [fn(item) for item in items]


def interleaved(
    fns: tuple[Any, Any], items: tuple[list[Any], list[Any]], blocks: int
) -> tuple[tuple[list[Any], list[Any]], tuple[float, float]]:
    """Time two evaluators on the same requests, alternating blocks of requests between them (A's
    block 1, B's block 1, B's block 2, A's block 2, ...), so that a change in the machine's load
    weighs on both sides alike. Each side answers a whole block per call. Returns both sides'
    answers and CPU seconds. The garbage the set-up left is collected and the surviving objects are
    frozen first (``gc.freeze``), so that no side pays for a full collection of the other's heap."""
    gc.collect()
    gc.freeze()
    answers: tuple[list[Any], list[Any]] = ([], [])
    seconds = [0.0, 0.0]
    size = -(-len(items[0]) // blocks)
    for block in range(blocks):
        order = (0, 1) if block % 2 == 0 else (1, 0)
        for side in order:
            out, took = timed(fns[side], items[side][block * size : (block + 1) * size])
            answers[side].extend(out)
            seconds[side] += took
    gc.unfreeze()
    return answers, (seconds[0], seconds[1])


def profile(requests: list[Request]) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for r in requests:
        decide(r)
    prof.disable()
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(15)
    return text.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=int, default=20_000, help="unique concrete requests (default 20000)"
    )
    parser.add_argument("--existential", type=int, default=2_000, help="existential requests (default 2000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--blocks", type=int, default=10, help="blocks the two sides alternate in")
    parser.add_argument("--profile", action="store_true", help="print where enjoin's decide spends its time")
    args = parser.parse_args(argv)

    qi = import_pmapper()
    # Three sets of unique requests over the same policies: the first is timed as the engine's first
    # sight of its policies; the second and third (requests never seen before) once its memos hold
    # what the first taught them, as in any process that has decided before: one request
    # at a time, then in batches.
    w = workload(args.seed, 3 * args.requests, conditions=0.3)
    print(
        f"workload: {len(w.principals)} principals, {w.policy_count} distinct policies "
        f"({w.statement_count} statements), {len(w.resources)} resources, {len(w.requests)} unique requests"
    )
    requests, compile_seconds = enjoin_requests(w)
    calls = pmapper_calls(w)
    print(f"enjoin compile: {w.policy_count} policies in {compile_seconds:.3f} s (not in the timed loop)")
    print(f"core: {'compiled (enjoin.engine._fast)' if CORE is not None else 'none: the Python reference'}")

    def pm(call: dict[str, Any]) -> bool | None:
        try:
            return bool(qi.local_check_authorization_full(**call))
        except Exception:  # principalmapper raises on some patterns; the time still counts
            return None

    print("timing: CPU time of this process, the two sides alternating in blocks of requests")
    n = args.requests
    pm_side = one_by_one(pm)
    phases = (
        ("first sight: enjoin's memos empty at the start", "decide", one_by_one(decide), 0, args.blocks),
        ("steady state: requests never seen, the same policies", "decide", one_by_one(decide), n, args.blocks),
        # A batch is answered grouped by principal: too small a block would leave nothing to group.
        ("steady state, in batches", "decide_many", decide_many, 2 * n, 2),
    )
    answers: list[Decision] = []
    pm_answers: list[bool | None] = []
    for title, name, side, start, blocks in phases:
        (got, pm_got), (enjoin_seconds, pm_seconds) = interleaved(
            (side, pm_side), (requests[start : start + n], calls[start : start + n]), blocks
        )
        answers += [result.decision for result in got]
        pm_answers += pm_got
        enjoin_rate, pm_rate = n / enjoin_seconds, n / pm_seconds
        print(f"{title} ({n} requests, {blocks} blocks):")
        print(f"  enjoin {name + ':':<16}{enjoin_rate:>12,.0f} decisions/s  ({enjoin_seconds:.3f} s)")
        print(f"  principalmapper local: {pm_rate:>12,.0f} decisions/s  ({pm_seconds:.3f} s)")
        print(f"  ratio enjoin / principalmapper: {enjoin_rate / pm_rate:.1f}x")
    decisions = Counter(a.value for a in answers)
    same = sum((a is Decision.ALLOW) == b for a, b in zip(answers, pm_answers, strict=True) if b is not None)
    print(f"enjoin's decisions: {dict(decisions)}")
    print(f"same allow/deny answer as principalmapper on {same} of {len(calls)}")
    print("  (differences: the principalmapper deviations in tests/engine/DIFFERENTIAL.md)")

    ew = workload(args.seed + 1, args.existential, conditions=0.9, context=False)
    ex_requests, ex_compile = enjoin_requests(ew)
    # Leave the request context to the solver: only keys fixed by the principal and resource remain.
    ex_requests = [
        Request(
            principal=r.principal,
            action=r.action,
            resource=r.resource,
            identity_policies=r.identity_policies,
            permissions_boundary=r.permissions_boundary,
            resource_policy=r.resource_policy,
            resource_account=r.resource_account,
            principal_tags=r.principal_tags,
            principal_id=r.principal_id,
        )
        for r in ex_requests
    ]
    unique = {(r.principal, r.action, r.resource) for r in ex_requests}
    possibilities, ex_seconds = timed(one_by_one(lambda r: possible(r).decision), ex_requests)
    rate = len(ex_requests) / ex_seconds
    print(f"enjoin possible:       {rate:>12,.0f} questions/s  ({ex_seconds:.3f} s, {len(unique)} unique)")
    print(f"  compile {ex_compile:.3f} s; answers {dict(Counter(p.value for p in possibilities))}")
    if args.profile:
        print(profile(requests[: min(len(requests), 5000)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
