"""Benchmark reach at organisation scale, and against PMapper (principalmapper 1.1.5) on the same question.

Part 1, enjoin alone: one party's reach to every holding of a seeded synthetic organisation
(:mod:`enjoin.synthetic`) at several sizes, up to the issue's target (50 accounts, 5,000 roles, 2,000
buckets, 20,000 trust relationships). Each size is generated and saved as Snapshot JSON by this process,
then loaded and answered in a fresh subprocess, so that its peak RSS (``ru_maxrss``) is that size's alone
(loading included). Prints the time, the peak RSS and how the time grows with the size.

Part 2, enjoin against PMapper: PMapper analyses one account, so a single-account organisation is
generated whose party is its roles named ``dhs-*``, with no AdministratorAccess (nobody may rewrite IAM,
so enjoin's rewrite and PassRole edges add nothing and both sides answer the role-assumption question;
PMapper's ``is_admin`` is left False, its admin shortcut unused). In one subprocess per comparison,
enjoin's ``compute_reach`` answers (one party per ``dhs-*`` role), then PMapper builds its graph from the
SAME snapshot (its ``Node``, ``Group`` and ``Policy`` objects, its own STS edge identification
``sts_edges.generate_edges_locally``, no AWS) and answers the same question: which of the party's
principals reach, by role assumption edges (``query_utils.get_search_list``), a principal that can
s3:GetObject an object of which holding, judged by ``query_interface.local_check_authorization_handling_mfa``
with the bucket policy (and kms:Decrypt with the key policy, as S3 calls it, for SSE-KMS buckets). Prints
both times, their ratio, whether the (principal, holding) pairs are equal, and, for each difference,
whether PMapper confirms every hop of enjoin's path once given enjoin's witness context for it (PMapper
evaluates every request with an empty context and retries with MFA only for IAM users, so a condition on
a key the caller sets hides the path from it).

    python scripts/bench_reach.py [--sizes small,medium,full] [--pmapper-roles 100,400,1000]
                                  [--pmapper-conditions 0,0.3] [--profile] [--skip-pmapper]

``--profile`` adds, after the timed runs, a cProfile of compute_reach at the largest size and of enjoin's
side of each comparison, each in a fresh process of its own (the timed figures are never profiled).

principalmapper is a dev-only dependency; the library never imports it.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import json
import math
import pstats
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from enjoin.config_model import Holding, Party
from enjoin.reach import Access, Reach, compute_reach
from enjoin.snapshot import Bucket, Snapshot
from enjoin.synthetic import (
    OrgSpec,
    count_trust_relationships,
    generate,
    question_from_json,
    question_to_json,
)

SIZES = {
    "tiny": OrgSpec(accounts=3, roles_per_account=40, trusts=480, buckets=60, holdings=6),
    "small": OrgSpec(accounts=5, roles_per_account=100, trusts=2_000, buckets=200, holdings=10),
    "medium": OrgSpec(accounts=20, roles_per_account=100, trusts=8_000, buckets=800, holdings=40),
    "full": OrgSpec(accounts=50, roles_per_account=100, trusts=20_000, buckets=2_000, holdings=100),
}
GiB = 1024**3
# Condition keys of type Bool (IAM User Guide, "AWS global condition context keys").
BOOL_KEYS = frozenset(
    {"aws:multifactorauthpresent", "aws:securetransport", "aws:viaawsservice", "aws:principalisawsservice"}
)


# --------------------------------------------------------------------------- part 1: enjoin at scale


def rss_now() -> int:
    """Resident set size of this process in bytes (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def worker(directory: Path, profile: bool, max_gib: float) -> None:
    """Load one size's snapshot and question, answer it, print one JSON line of figures."""
    # A cap on the address space, so that a run that would exhaust the (shared) machine fails instead.
    cap = int(max_gib * GiB)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    t0 = time.perf_counter()
    snapshot = Snapshot.load(directory / "snapshot.json")
    parties, holdings, region = question_from_json((directory / "question.json").read_text())
    gc.collect()
    load_s, rss_loaded = time.perf_counter() - t0, rss_now()
    profiler = cProfile.Profile() if profile else None
    t1 = time.perf_counter()
    if profiler:
        profiler.enable()
    try:
        reach = compute_reach(snapshot, parties, holdings, region)
    except MemoryError:
        del snapshot
        print(
            json.dumps(
                {
                    "error": f"MemoryError after {time.perf_counter() - t1:.0f} s: more than "
                    f"{max_gib:g} GiB of address space (--max-gib)"
                }
            )
        )
        return
    if profiler:
        profiler.disable()
    reach_s = time.perf_counter() - t1
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(30)
        (directory / "profile.txt").write_text(out.getvalue())
    print(
        json.dumps(
            {
                "load_s": load_s,
                "reach_s": reach_s,
                "rss_loaded": rss_loaded,
                "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                "reached": len({a.holding.resource for a in reach.accesses}),
                "holdings": len(holdings),
                "undecided": len(reach.undecided),
                "longest": max((len(a.hops) for a in reach.accesses), default=0),
            }
        )
    )


def scale(names: list[str], seed: int, profile: bool, timeout: float, max_gib: float) -> None:
    print("== enjoin: one party's reach to every holding (one fresh process per size)")
    print(
        f"{'size':>7} {'accounts':>8} {'roles':>6} {'trusts':>6} {'buckets':>7} {'holdings':>8} "
        f"{'gen s':>6} {'load s':>6} {'reach s':>8} {'peak RSS':>9} {'reached':>8} {'undecided':>9}"
    )
    rows: list[tuple[str, int, float, int]] = []
    with tempfile.TemporaryDirectory(prefix="enjoin-bench-") as tmp:
        done_dirs: list[tuple[str, Path]] = []
        for name in names:
            spec = replace(SIZES[name], seed=seed)
            t0 = time.perf_counter()
            org = generate(spec)
            gen_s = time.perf_counter() - t0
            directory = Path(tmp) / name
            directory.mkdir()
            org.snapshot.save(directory / "snapshot.json")
            (directory / "question.json").write_text(question_to_json(org))
            del org
            gc.collect()
            fig = run_worker(directory, max_gib, timeout)
            roles = spec.accounts * spec.roles_per_account
            if "error" in fig:
                print(
                    f"{name:>7} {spec.accounts:>8} {roles:>6} {spec.trusts:>6} {spec.buckets:>7} "
                    f"{spec.holdings:>8} {gen_s:>6.2f}  {fig['error']}"
                )
                continue
            print(
                f"{name:>7} {spec.accounts:>8} {roles:>6} {spec.trusts:>6} {spec.buckets:>7} "
                f"{spec.holdings:>8} {gen_s:>6.2f} {fig['load_s']:>6.2f} {fig['reach_s']:>8.2f} "
                f"{fig['peak_rss'] / 2**20:>6.0f} MiB {fig['reached']:>4}/{fig['holdings']:<3} "
                f"{fig['undecided']:>9}"
            )
            rows.append((name, roles, fig["reach_s"], fig["peak_rss"]))
            done_dirs.append((name, directory))
        if "full" in names:
            full = [r for r in rows if r[0] == "full"]
            met = bool(full) and full[0][2] < 30 and full[0][3] < 2 * GiB
            print(f"target at full size (< 30 s and < 2 GiB peak RSS): {'met' if met else 'NOT met'}")
        for (n1, r1, t1, m1), (n2, r2, t2, m2) in itertools.pairwise(rows):
            slope = math.log(t2 / t1) / math.log(r2 / r1) if t1 > 0 and t2 > 0 and r2 != r1 else float("nan")
            print(
                f"growth {n1} -> {n2}: size x{r2 / r1:.1f}, time x{t2 / t1:.1f} (time ~ size^{slope:.2f}), "
                f"peak RSS x{m2 / m1:.1f}"
            )
        if profile and done_dirs:  # a separate run: the timed ones ran without a profiler
            name, directory = done_dirs[-1]
            run_worker(directory, max_gib, timeout * 3, profile=True)
            if (directory / "profile.txt").exists():
                print(f"-- cProfile of compute_reach at size {name} (a separate, profiled run):")
                print((directory / "profile.txt").read_text())


def run_worker(directory: Path, max_gib: float, timeout: float, profile: bool = False) -> dict[str, Any]:
    """Run :func:`worker` in a fresh process; its figures, or ``{"error": why}``."""
    cmd = [sys.executable, __file__, "--worker", str(directory), "--max-gib", str(max_gib)]
    try:
        done = subprocess.run(
            [*cmd, "--profile"] if profile else cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": f"the worker failed: {done.stderr.strip()[-500:]}"}
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# --------------------------------------------------------------------------- part 2: against PMapper


def import_pmapper() -> Any:
    """principalmapper's modules, after restoring the collections aliases Python 3.10 removed."""
    import collections
    import collections.abc

    for alias in ("Mapping", "MutableMapping", "Iterable", "Sequence", "Callable", "MutableSet", "Set"):
        if not hasattr(collections, alias):
            setattr(collections, alias, getattr(collections.abc, alias))
    import principalmapper.common as common
    from principalmapper.graphing import sts_edges
    from principalmapper.querying import query_interface, query_utils

    return common, sts_edges, query_interface, query_utils


Pair = tuple[str, str]  # (the party's principal a path starts from, the holding it reaches)


@dataclass
class PMapperRun:
    reached: dict[Pair, list[str]]  # -> the principals on PMapper's shortest path, the reader last
    build_s: float
    edges_s: float
    query_s: float
    edges: int
    reachable: int  # distinct principals reachable from the party's principals, themselves included
    nodes: dict[str, Any]
    scps: list[list[Any]] | None

    @property
    def total_s(self) -> float:
        return self.build_s + self.edges_s + self.query_s


def wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def probes(holding: Holding, bucket: Bucket, documents: Iterable[Mapping[str, Any] | None]) -> list[str]:
    """Object ARNs to ask PMapper about: the holding's own pattern and every S3 object pattern of the
    policies that bear on the read, each with ``*`` made concrete, kept when inside the holding."""
    inside = wildcard(holding.resource)
    patterns = [holding.resource]
    for doc in documents:
        for stmt in (doc or {}).get("Statement", []):
            for key in ("Resource", "NotResource"):
                values = stmt.get(key, [])
                patterns += [values] if isinstance(values, str) else values
    out: list[str] = []
    for pattern in patterns:
        if not pattern.startswith(f"{bucket.arn}/") and not pattern.startswith("arn:aws:s3:::*"):
            continue
        concrete = pattern.replace("*", "enjoin-probe").replace("?", "x")
        concrete = concrete if concrete.startswith(f"{bucket.arn}/") else f"{bucket.arn}/enjoin-probe"
        if inside.fullmatch(concrete) and concrete not in out:
            out.append(concrete)
    return out


def run_pmapper(
    snapshot: Snapshot, starts_pattern: list[str], holdings: tuple[Holding, ...], region: str
) -> PMapperRun:
    common, sts_edges, qi, qu = import_pmapper()
    account = snapshot.accounts[0]
    t0 = time.perf_counter()
    managed = {p.arn: common.Policy(p.arn, p.name, p.document) for p in snapshot.policies}
    groups = {
        g.arn: common.Group(
            g.arn,
            [common.Policy(g.arn, p.name, p.document) for p in g.inline_policies]
            + [managed[a] for a in g.managed_policy_arns],
        )
        for g in snapshot.groups
    }
    nodes: dict[str, Any] = {}
    for u in snapshot.users:
        nodes[u.arn] = common.Node(
            u.arn,
            u.user_id,
            [common.Policy(u.arn, p.name, p.document) for p in u.inline_policies]
            + [managed[a] for a in u.managed_policy_arns],
            [groups[g] for g in u.group_arns],
            None,
            None,
            0,
            True,
            False,
            managed.get(u.permissions_boundary_arn or ""),
            True,
            dict(u.tags),
        )
    for r in snapshot.roles:
        nodes[r.arn] = common.Node(
            r.arn,
            r.role_id,
            [common.Policy(r.arn, p.name, p.document) for p in r.inline_policies]
            + [managed[a] for a in r.managed_policy_arns],
            [],
            r.trust_policy,
            None,
            0,
            False,
            False,
            managed.get(r.permissions_boundary_arn or ""),
            False,
            dict(r.tags),
        )
    levels = snapshot.organization.scps.get(account)
    scps = (
        None
        if levels is None
        else [
            [common.Policy(f"scp-{i}-{j}", f"scp-{i}-{j}", doc) for j, doc in enumerate(level)]
            for i, level in enumerate(levels)
        ]
    )
    t1 = time.perf_counter()
    edges = sts_edges.generate_edges_locally(list(nodes.values()), scps)
    graph = common.Graph(
        list(nodes.values()),
        edges,
        list(managed.values()),
        list(groups.values()),
        {"account_id": account, "pmapper_version": "1.1.5"},
    )
    t2 = time.perf_counter()
    pattern = [wildcard(p) for p in starts_pattern]
    starts = [n for a, n in sorted(nodes.items()) if any(p.fullmatch(a) for p in pattern)]
    buckets = {b.name: b for b in snapshot.buckets}
    keys = {k.arn: k for k in snapshot.keys}
    memo: dict[tuple[str, str], bool] = {}
    reached: dict[Pair, list[str]] = {}
    reachable: set[str] = set()
    for start in starts:
        paths = [
            [start.arn],
            *([start.arn, *(e.destination.arn for e in p)] for p in qu.get_search_list(graph, start)),
        ]
        paths.sort(key=len)  # shortest first, as enjoin reports
        for path in paths:
            node = nodes[path[-1]]
            reachable.add(node.arn)
            for holding in holdings:
                pair = (start.arn, holding.resource)
                if pair in reached:
                    continue
                key = (node.arn, holding.resource)
                if key not in memo:
                    memo[key] = pmapper_reads(qi, node, holding, buckets, keys, scps, region)
                if memo[key]:
                    reached[pair] = path
    t3 = time.perf_counter()
    return PMapperRun(reached, t1 - t0, t2 - t1, t3 - t2, len(edges), len(reachable), nodes, scps)


def pmapper_reads(
    qi: Any,
    node: Any,
    holding: Holding,
    buckets: Mapping[str, Bucket],
    keys: Mapping[str, Any],
    scps: Any,
    region: str,
    context: Mapping[str, str] | None = None,
) -> bool:
    """PMapper's answer: can ``node`` read some object of ``holding`` (and decrypt it, for SSE-KMS)?"""
    name = holding.resource.split(":::", 1)[1].split("/", 1)[0]
    bucket = buckets[name]
    docs = [bucket.policy, *(p.policy_doc for p in node.attached_policies)]
    for obj in probes(holding, bucket, docs):
        ctx = dict(context or {})
        if not qi.local_check_authorization_handling_mfa(
            node, "s3:GetObject", obj, ctx, bucket.policy, bucket.account, scps
        )[0]:
            continue
        if not (bucket.sse_algorithm or "").startswith("aws:kms"):
            return True
        if bucket.kms_key_id is None:  # the AWS managed key aws/s3: its own account's principals only
            if node.arn.split(":")[4] == bucket.account:
                return True
            continue
        key = next((k for k in keys.values() if bucket.kms_key_id in (k.arn, k.key_id, *k.aliases)), None)
        if key is None:
            continue
        kctx = {
            "kms:ViaService": f"s3.{region}.amazonaws.com",
            "kms:EncryptionContext:aws:s3:arn": bucket.arn if bucket.bucket_key_enabled else obj,
        }
        if qi.local_check_authorization_handling_mfa(
            node, "kms:Decrypt", key.arn, {**kctx, **ctx}, key.policy, key.account, scps
        )[0]:
            return True
    return False


def explain(access: Access, run: PMapperRun, snapshot: Snapshot, region: str) -> tuple[list[str] | None, str]:
    """Why PMapper misses a path enjoin found: re-ask PMapper each hop of it, first with an empty context
    (what PMapper itself asks), then with the witness context enjoin found for that hop.

    Returns the condition keys PMapper needed to be given (None: the difference is not explained) and a
    note (a witness value outside a Bool key's domain, or why it is not explained).
    """
    _, _, qi, _ = import_pmapper()
    roles = {r.arn: r for r in snapshot.roles}
    buckets = {b.name: b for b in snapshot.buckets}
    keys = {k.arn: k for k in snapshot.keys}
    needed: set[str] = set()
    notes: list[str] = []

    def allowed(hop: Any, node: Any, context: dict[str, Any]) -> bool:
        if hop.action == "sts:AssumeRole":
            role = roles[hop.resource]
            return bool(
                qi.local_check_authorization_handling_mfa(
                    node, "sts:AssumeRole", role.arn, context, role.trust_policy, role.account, run.scps
                )[0]
            )
        return pmapper_reads(qi, node, access.holding, buckets, keys, run.scps, region, context)

    for hop in access.hops:
        if hop.action not in ("sts:AssumeRole", "s3:GetObject"):
            continue  # kms:Decrypt is judged together with the read
        node = run.nodes.get(hop.principal)
        if node is None:
            return None, f"{hop.principal} is not a PMapper node"
        if allowed(hop, node, {}):
            continue
        ctx = {k: v if isinstance(v, str) else list(v) for k, v in hop.context.items()}
        # A Bool key takes "true" or "false" in AWS; a witness value outside that is tried as "true" too.
        odd = {k: v for k, v in ctx.items() if k.lower() in BOOL_KEYS and v not in ("true", "false")}
        for attempt in (ctx, {**ctx, **dict.fromkeys(odd, "true")}) if odd else (ctx,):
            if allowed(hop, node, attempt):
                if attempt is not ctx:
                    notes += [f"enjoin's witness gave {k}={v!r}; PMapper agrees with 'true'" for k, v in odd.items()]
                needed |= {k for k in attempt if not k.startswith("kms:")}
                break
        else:
            return (
                None,
                f"PMapper refuses {hop.action} by {hop.principal} on {hop.resource} with enjoin's witness {ctx}",
            )
    if not needed:
        return None, "PMapper allows every hop of enjoin's path with an empty context, yet misses the path"
    return sorted(needed), "; ".join(notes)


def short(arn: str) -> str:
    """A role's or a bucket's name, for the listing."""
    return arn.removesuffix("/*").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def compare_worker(roles: int, rate: float, seed: int, per_role: int, profile_only: bool = False) -> None:
    """One comparison, in a fresh process: enjoin, then PMapper, on the same single-account snapshot.

    ``profile_only``: enjoin's side alone, under cProfile (what ``--profile`` adds to each comparison).
    """
    spec = OrgSpec(
        accounts=1,
        party_accounts=0,
        party_roles=5,
        roles_per_account=roles,
        trusts=per_role * roles,
        buckets=max(1, roles // 4),
        holdings=max(1, roles // 10),
        users_per_account=3,
        managed_per_account=8,
        condition_rate=rate,
        admin_rate=0.0,
        seed=seed,
    )
    org = generate(spec)
    snapshot, holdings = org.snapshot, org.holdings
    pattern = list(org.parties[0].principals)
    starts = sorted(r.arn for r in snapshot.roles if any(wildcard(p).fullmatch(r.arn) for p in pattern))
    # One party per principal of the party: the question is which of them reaches which holding.
    parties = [Party(arn, principals=(arn,)) for arn in starts]
    if profile_only:
        profiler = cProfile.Profile()
        profiler.enable()
        compute_reach(snapshot, parties, holdings, org.region)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(30)
        print(f"-- cProfile of enjoin's compute_reach, {roles} roles, condition rate {rate} (a separate run):")
        print(out.getvalue())
        return
    t0 = time.perf_counter()
    reach: Reach = compute_reach(snapshot, parties, holdings, org.region)
    enjoin_s = time.perf_counter() - t0
    run = run_pmapper(snapshot, pattern, holdings, org.region)
    ours: dict[Pair, Access] = {(a.party, a.holding.resource): a for a in reach.accesses}
    theirs = run.reached
    print(
        f"-- single account, {len(snapshot.roles)} roles, {len(snapshot.users)} users, "
        f"{count_trust_relationships(snapshot)} trust relationships, {len(snapshot.buckets)} buckets, "
        f"{len(holdings)} holdings, condition rate {rate}; the party: {len(starts)} roles {pattern[0]}"
    )
    both = set(ours) & set(theirs)
    held = lambda pairs: len({h for _, h in pairs})  # noqa: E731  # holdings among (principal, holding) pairs
    print(
        f"   enjoin  : {enjoin_s:8.2f} s  {len(ours):>4} (principal, holding) pairs, "
        f"{held(ours)}/{len(holdings)} holdings, undecided {len(reach.undecided)}"
    )
    print(
        f"   PMapper : {run.total_s:8.2f} s  {len(theirs):>4} (principal, holding) pairs, "
        f"{held(theirs)}/{len(holdings)} holdings (graph {run.build_s:.2f} s, STS edges {run.edges_s:.2f} s: "
        f"{run.edges} edges, queries {run.query_s:.2f} s; {run.reachable} principals reachable)"
    )
    print(f"   ratio   : PMapper / enjoin = {run.total_s / enjoin_s:.2f}x")
    equal = set(ours) == set(theirs) and not reach.undecided
    print(
        f"   answers equal: {equal}  (pairs in both {len(both)}, enjoin only {len(set(ours) - both)}, "
        f"PMapper only {len(set(theirs) - both)})"
    )
    explained = True
    only_ours = sorted(set(ours) - both)
    if only_ours:
        print(
            f"   enjoin only: {len(only_ours)} pairs. For each one listed with keys, PMapper allows every "
            "hop of enjoin's path\n   once given enjoin's witness context for it: PMapper asks every request "
            "with an empty context (retrying\n   with MFA for IAM users only), so a condition on a key the "
            "caller sets (listed) hides the path from it."
        )
    for pair in only_ours:
        access = ours[pair]
        needed, note = explain(access, run, snapshot, org.region)
        explained &= needed is not None
        hops = " -> ".join(short(p) for p in access.path if not p.startswith(("sts:", "s3:")))
        what = f"PMapper agrees given {', '.join(needed)}" if needed is not None else f"UNEXPLAINED: {note}"
        print(f"      {short(pair[0])} reads {short(pair[1])}: {what}; path {hops}")
        if needed is not None and note:
            print(f"         note: {note}")
    for pair in sorted(set(theirs) - both):
        explained = False
        print(
            f"   PMapper only: {short(pair[0])} reads {short(pair[1])}: UNEXPLAINED; "
            f"PMapper's path {' -> '.join(short(p) for p in theirs[pair])}"
        )
    for u in reach.undecided:
        explained = False
        print(f"   enjoin undecided: {u.principal} {u.action} {u.resource}: {'; '.join(u.reasons)[:300]}")
    print(f"   every difference explained: {explained}")


def compare(sizes: list[int], rates: list[float], seed: int, per_role: int, timeout: float, profile: bool) -> None:
    print("== enjoin against PMapper 1.1.5 on the same single-account snapshots")
    for (roles, rate), profile_only in itertools.product(itertools.product(sizes, rates), (False, True)):
        if profile_only and not profile:
            continue
        cmd = [
            sys.executable,
            __file__,
            "--compare-worker",
            str(roles),
            str(rate),
            "--seed",
            str(seed),
            "--pmapper-trusts-per-role",
            str(per_role),
            *(["--profile"] if profile_only else []),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            print(f"-- condition rate {rate}: did not finish within {timeout:.0f} s")
            continue
        print(done.stdout, end="")
        if done.returncode != 0:
            print(done.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="small,medium,full", help=f"comma-separated, of {sorted(SIZES)}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile compute_reach at the largest size and, in a separate run, each comparison's enjoin side",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per subprocess")
    parser.add_argument("--skip-pmapper", action="store_true")
    parser.add_argument("--max-gib", type=float, default=8.0, help="address-space cap of each enjoin worker")
    parser.add_argument("--pmapper-roles", default="100,400,1000", help="comma-separated sizes of the comparisons")
    parser.add_argument("--pmapper-conditions", default="0,0.3", help="condition rates of the comparisons")
    parser.add_argument("--pmapper-trusts-per-role", type=int, default=3)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--compare-worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.profile, args.max_gib)
        return
    if args.compare_worker:
        compare_worker(
            int(args.compare_worker[0]),
            float(args.compare_worker[1]),
            args.seed,
            args.pmapper_trusts_per_role,
            profile_only=args.profile,
        )
        return
    sizes = [s for s in args.sizes.split(",") if s]
    if sizes:
        scale(sizes, args.seed, args.profile, args.timeout, args.max_gib)
    if not args.skip_pmapper:
        compare(
            [int(r) for r in args.pmapper_roles.split(",") if r],
            [float(r) for r in args.pmapper_conditions.split(",")],
            args.seed,
            args.pmapper_trusts_per_role,
            args.timeout,
            args.profile,
        )


if __name__ == "__main__":
    main()
