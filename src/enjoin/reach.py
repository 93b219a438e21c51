"""Reach: which holdings each party can read, by which path, with the engine's witness for every hop.

The graph's nodes are the principals of the Snapshot (users and roles, and what a party could rewrite
them into); its edges are the ways to act as another principal or to grant oneself access
(:mod:`enjoin.reach_edges`); the reads of a holding are in :mod:`enjoin.reach_data`. Every edge and read
is decided by the engine's existential question (``possible``): some request context allows it.
Anything the engine cannot decide, and anything the Snapshot cannot tell (a managed policy that was not
read back, a key that is not inventoried), is recorded as :class:`Undecided`, never dropped.

A party administers its own accounts: besides the principals that exist there, enjoin adds one
principal per party account with every identity permission (``PARTY_CONTROLLED_ROLE``), standing for
whatever role the party's administrators can create; a resource policy that trusts the party's account
is thereby reached without depending on the party's current identity policies. Roles whose trust policy
admits one of the party's identity providers (``identity_providers``) belong to the party too.

The search is breadth first from all of a party's principals at once, so the path kept for each holding
is a shortest one (in edges); ``paths_found`` counts the principals the party reaches that read it, each
the end of a distinct path.
Rewrites (a principal giving another more permissions) need the party to act as both, so they are
looked for among the principals reached, until nothing new is reached.

What makes it fast, without changing an answer: every request goes to the engine only after
:func:`~enjoin.reach_filter.could_allow`, an exact necessary condition (some policy that must allow has an
Allow statement covering the action and resource, naming the caller where it must); each principal's
identity policies bound, once, the roles it may assume through a trust that names only its account and
the IAM targets it may act on (:class:`_Bounds`), and the buckets it may read in (the Reader); edge answers,
reads and bounds are shared by every party. Tests take each shortcut away and compare every answer.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass

from enjoin.config_model import Holding, Party
from enjoin.reach_cloudfront import VIEW_ACTION, cloudfront_reads
from enjoin.reach_code import write_code
from enjoin.reach_compute import (
    Split,
    Way,
    code_writes,
    doubt,
    image_pushes,
    modeled_new,
    new_compute,
    reconfigure_function,
    replace_role,
    take_over,
    takeovers,
    trusted_services,
    under_readings,
    unfollowed,
    ways,
)
from enjoin.reach_constructs import doubts as construct_doubts
from enjoin.reach_data import Reader, buckets_for, is_s3_holding
from enjoin.reach_edges import (
    CREATE_ACTIONS,
    REWRITE_ACTIONS,
    Edge,
    Outcome,
    TrustIndex,
    assume,
    create_principal,
    empower,
    rewrite_trust,
    take_credentials,
    update_function_code,
)
from enjoin.reach_filter import identity_resources, may_act
from enjoin.reach_graph import PARTY_CONTROLLED_ROLE, Graph, Node, build_graph, denies, wildcard
from enjoin.reach_image import push_image
from enjoin.reach_layers import add_layer
from enjoin.reach_model import (
    ASSUME_ACTION,
    DECRYPT_ACTION,
    READ_ACTION,
    Access,
    Found,
    Hop,
    Reach,
    Undecided,
    holdings_read,
)
from enjoin.reach_tables import is_table_holding, tables_for
from enjoin.snapshot import Function, Snapshot

__all__ = [
    "ASSUME_ACTION",
    "DECRYPT_ACTION",
    "PARTY_CONTROLLED_ROLE",
    "READ_ACTION",
    "Access",
    "Hop",
    "Reach",
    "Undecided",
    "buckets_for",
    "compute_reach",
    "is_s3_holding",
    "is_table_holding",
    "tables_for",
]


@dataclass(slots=True)
class _Visit:
    start: str  # the party principal or identity provider the path starts from
    hops: tuple[Hop, ...]
    depth: int  # edges from the start
    count: int  # shortest paths reaching the node


def _in_party(node: Node, party: Party) -> bool:
    if node.account in party.accounts:
        return True
    return any(wildcard(p).fullmatch(node.arn) for p in party.principals)


CREDENTIAL_ACTIONS = ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile")
Decider = Callable[[Graph, Node, Node], Outcome]
Step = Outcome | Split  # an edge, why not decided, none, or (an unsettled compute row) a doubt about a role


@dataclass(frozen=True, slots=True)
class _Bounds:
    """What a principal's identity side may do at all, worked out once per principal."""

    assumable: tuple[str, ...]  # roles whose trust may admit it, its identity bounding the delegated ones
    update_trust: bool
    pass_role: bool
    credentials: bool
    named: frozenset[str] | None  # the only IAM resources those three may act on (None: not bounded)


class _Search:
    """The parties' breadth-first searches over one graph: edge answers are memoised across parties, and
    so are each principal's bounds (what its identity policies may allow at all)."""

    def __init__(self, graph: Graph, index: TrustIndex, memo: dict[tuple[str, str, str], Step]) -> None:
        self.graph = graph
        self.index = index
        self.memo = memo
        self.by_account: dict[str, list[Node]] = {}
        for node in graph.nodes.values():
            self.by_account.setdefault(node.account, []).append(node)
        self.bounds: dict[str, _Bounds] = {}
        self.rewriter: dict[str, bool] = {}
        self.empowered: dict[tuple[str, str, str], list[Outcome]] = {}
        # Compute that runs as a role (reach_compute.yaml): which services each role trusts, and the ways.
        self.services = trusted_services(graph)
        self.new_ways: tuple[Way, ...] = modeled_new()
        self.reconfigure = tuple(
            w for w in ways() if w.modeled and w.pass_role and w.existing and w.takes_over is None and w.needs is None
        )
        # Existing compute (Snapshot.compute): the ways that take over its own role, and those that give it another.
        table = {w.id: w for w in ways()}
        self.own_role = tuple(w for w in takeovers() if not w.pass_role)
        self.replace = tuple((w, tuple(table[t] for t in w.then)) for w in takeovers() if w.pass_role)
        # Unfollowed compute: (way and resource, principal) -> may it act, and role -> what the role reads or might.
        self.doubts: dict[tuple[str, str], Hop | tuple[str, ...] | None] = {}
        # Existing compute that runs S3 objects or container images at every run, with the way that writes or pushes
        # them, the role it runs as, and what decides the way (reach_code, reach_image).
        self.fetched = tuple(
            (way, compute, graph.nodes[compute.role_arn], decide)
            for ways_of, held, decide in ((code_writes(), "code", write_code), (image_pushes(), "images", push_image))
            for way in ways_of
            for compute in graph.snapshot.compute
            if compute.kind == way.takes_over and getattr(compute, held) and compute.role_arn in graph.nodes
        )
        self.role_reads: dict[str, list[Holding]] = {}

    def edges(self, who: Node, reached: Container[str]) -> Iterator[Step]:
        """Edges from ``who`` to principals not reached yet (a reached one has a path no longer).

        Each edge's requests ask :func:`~enjoin.reach_filter.could_allow` before the engine, and each
        (kind, principal, target) is decided once, when first explored with the target not yet reached.
        """
        graph = self.graph
        bounds = self.bounds.get(who.key)
        if bounds is None:
            bounds = self.bounds[who.key] = self._bounds(who)
        for role_arn in bounds.assumable:
            if role_arn not in reached:
                yield self._memo("assume", who, graph.nodes[role_arn], assume)
        # Code and images that existing compute fetches at every run: a writer or pusher of any account (the bucket or
        # the repository decides).
        for way, runs, runs_as, decide in self.fetched:
            if runs_as.key not in reached:
                key = (f"{way.id}:{runs.arn}", who.key, runs_as.key)
                if key not in self.memo:
                    self.memo[key] = decide(graph, way, who, runs, runs_as, self.services)
                yield self.memo[key]
        # Another account's function whose resource policy may grant the caller (function_policy): from any account,
        # the party's own principals among them.
        for function in graph.snapshot.functions:
            if function.account != who.account and function.policy is not None:
                yield from self._function_edges(who, function, reached)
        if who.account in graph.party_accounts:
            return  # the party's own principals are all starts already
        if any(may_act(who, action) for action in CREATE_ACTIONS):
            key = ("create", who.key, who.key)
            if key not in self.empowered:
                self.empowered[key] = list(create_principal(graph, who))
            yield from self.empowered[key]
        named = bounds.named
        if bounds.update_trust or bounds.pass_role or bounds.credentials:
            for target in self.by_account.get(who.account, ()):
                if (
                    target.synthetic
                    or target.key in reached
                    or target.arn == who.arn
                    or (named is not None and target.arn not in named)
                ):
                    continue
                if target.kind == "role":
                    if bounds.update_trust:
                        yield self._memo("trust", who, target, rewrite_trust)
                    if bounds.pass_role:
                        yield from self._compute(who, target)
                elif bounds.credentials:
                    yield self._memo("credentials", who, target, take_credentials)
        for function in graph.snapshot.functions:
            if function.account == who.account:
                yield from self._function_edges(who, function, reached)
        for compute in graph.snapshot.compute:
            role = graph.nodes.get(compute.role_arn or "")
            if role is None or compute.account != who.account or role.key in reached:
                continue
            for way in self.own_role:
                if way.takes_over == compute.kind:
                    key = (f"{way.id}:{compute.arn}", who.key, role.key)
                    if key not in self.memo:
                        self.memo[key] = under_readings(  # decided at once: the loop variables are current
                            way, lambda w: take_over(graph, w, who, compute, role, self.services))  # noqa: B023
                    yield self.memo[key]

    def _function_edges(self, who: Node, function: Function, reached: Container[str]) -> Iterator[Step]:
        """Replacing an existing function's code, or adding a layer to it: its role's credentials run the caller's
        code."""
        role = self.graph.nodes.get(function.role_arn)
        if role is None or role.key in reached:
            return
        key = (f"code:{function.arn}", who.key, role.key)
        if key not in self.memo:
            self.memo[key] = update_function_code(self.graph, who, function, role)
        yield self.memo[key]
        key = (f"layer:{function.arn}", who.key, role.key)
        if key not in self.memo:
            self.memo[key] = add_layer(self.graph, who, function, role)
        yield self.memo[key]

    def _compute(self, who: Node, role: Node) -> Iterator[Step]:
        """The ways of the compute table by which ``who`` runs code as ``role`` (it may pass roles)."""
        trusted = self.services.get(role.arn, frozenset())
        for way in self.new_ways:
            if way.service in trusted:
                key = (f"compute:{way.id}", who.key, role.key)
                if key not in self.memo:
                    self.memo[key] = under_readings(
                        way, lambda w: new_compute(self.graph, w, who, role, self.services))
                yield self.memo[key]
        for way in self.reconfigure:
            if way.service not in trusted:
                continue
            for function in self.graph.snapshot.functions:
                if function.account != who.account or function.role_arn == role.arn:
                    continue
                key = (f"{way.id}:{function.arn}", who.key, role.key)
                if key not in self.memo:
                    self.memo[key] = under_readings(way, lambda w: reconfigure_function(
                        self.graph, w, who, function, role, self.services))  # noqa: B023 - decided at once
                yield self.memo[key]
        for way, then in self.replace:
            if way.service not in trusted:
                continue
            for compute in self.graph.snapshot.compute:
                # Replacing asks for an association to replace (an instance with a profile).
                if compute.kind != way.takes_over or compute.account != who.account or compute.profile_arn is None:
                    continue
                key = (f"{way.id}:{compute.arn}", who.key, role.key)
                if key not in self.memo:
                    self.memo[key] = under_readings(way, lambda w: replace_role(
                        self.graph, w, who, compute, role, self.services, then))  # noqa: B023 - decided at once
                yield self.memo[key]

    def _bounds(self, who: Node) -> _Bounds:
        bounded = identity_resources(who, ASSUME_ACTION) if may_act(who, ASSUME_ACTION) else frozenset()
        named: frozenset[str] | None = frozenset()
        for action in ("iam:UpdateAssumeRolePolicy", "iam:PassRole", *CREDENTIAL_ACTIONS):
            literal = identity_resources(who, action)
            named = None if literal is None or named is None else named | literal
        return _Bounds(
            tuple(self.index.candidates(who, bounded)),
            may_act(who, "iam:UpdateAssumeRolePolicy"),
            may_act(who, "iam:PassRole"),
            any(may_act(who, a) for a in CREDENTIAL_ACTIONS),
            named,
        )

    def _memo(self, kind: str, who: Node, target: Node, decide: Decider) -> Step:
        key = (kind, who.key, target.key)
        if key in self.memo:
            return self.memo[key]
        found = self.memo[key] = decide(self.graph, who, target)
        return found

    def empowerments(self, who: Node, target: Node) -> list[Outcome]:
        key = ("empower", who.key, target.key)
        if key not in self.empowered:
            self.empowered[key] = list(empower(self.graph, who, target))
        return self.empowered[key]

    def may_rewrite(self, who: Node) -> bool:
        """Whether ``who`` (of a non-party account, decidable) may perform some IAM rewrite at all."""
        found = self.rewriter.get(who.key)
        if found is None:
            found = self.rewriter[who.key] = (
                not who.problems
                and who.account not in self.graph.party_accounts
                and any(may_act(who, a) for a in REWRITE_ACTIONS)
            )
        return found


def _starts(graph: Graph, index: TrustIndex, party: Party) -> list[tuple[Node, str, tuple[Hop, ...]]]:
    starts: list[tuple[Node, str, tuple[Hop, ...]]] = [
        (n, n.arn, ()) for n in graph.nodes.values() if _in_party(n, party)
    ]
    for provider, roles in sorted(index.federated.items()):
        if not any(wildcard(p).fullmatch(provider) for p in party.identity_providers):
            continue
        for role_arn, action in roles:
            hop = Hop(provider, action, role_arn, (), {}, "the party's identity provider asserts any subject")
            starts.append((graph.nodes[role_arn], provider, (hop,)))
    return sorted(starts, key=lambda s: (s[0].synthetic, len(s[2]), s[1]))


def _reach_party(search: _Search, reader: Reader, party: Party) -> tuple[list[Access], list[Undecided]]:
    graph = search.graph
    visits: dict[str, _Visit] = {}
    nodes: dict[str, Node] = {}
    queue: deque[Node] = deque()
    undecided: list[Undecided] = []

    def reach_node(node: Node, visit: _Visit) -> None:
        known = visits.get(node.key)
        if known is None:
            visits[node.key] = visit
            nodes[node.key] = node
            queue.append(node)
        elif known.depth == visit.depth:
            known.count += visit.count  # another shortest path to the same principal

    for node, start, hops in _starts(graph, search.index, party):
        reach_node(node, _Visit(start, hops, 0, 1))
    explored: list[Node] = []
    rewritten: set[tuple[str, str]] = set()
    # Principals some rewrite left with every permission, no boundary and no Deny of their own: nothing more to find
    # by rewriting them.
    freed: set[str] = set()
    splits: list[tuple[Node, _Visit, Split]] = []
    while queue:
        while queue:
            who = queue.popleft()
            here = visits[who.key]
            explored.append(who)
            if who.problems:
                undecided.append(Undecided(party.name, None, who.arn, "*", "*", who.problems, here.hops))
                continue
            for outcome in search.edges(who, visits):
                if isinstance(outcome, Split):
                    splits.append((who, here, outcome))
                else:
                    _follow(outcome, who, here, party, reach_node, undecided)
        # Rewrites: the party acts as both the principal that rewrites and the one rewritten.
        # Only principals of a non-party account whose policies could allow a rewrite are asked, and
        # only about principals of their own account (IAM has no cross-account rewrites).
        by_account: dict[str, list[Node]] = {}
        for node in explored:
            by_account.setdefault(node.account, []).append(node)
        rewriters = [w for w in explored if search.may_rewrite(w)]
        for who in rewriters:
            for target in by_account.get(who.account, ()):
                if (who.key, target.key) in rewritten or target.arn in freed:
                    continue
                rewritten.add((who.key, target.key))
                for outcome in search.empowerments(who, target):
                    if isinstance(outcome, Edge):
                        made = outcome.target
                        if ("#empowered" in made.key and made.boundary is None
                                and not any(denies(p) for p in made.identity)):
                            freed.add(target.arn)
                        base = visits[target.key]
                        via = visits[who.key]
                        hops = (*via.hops, *outcome.hops, *base.hops)
                        reach_node(outcome.target, _Visit(via.start, hops, max(via.depth, base.depth) + 1, via.count))
                    elif outcome:
                        undecided.append(
                            Undecided(party.name, None, who.arn, "iam:*", target.arn, outcome, visits[who.key].hops)
                        )
    undecided += _unfollowed_compute(search, reader, party, explored, visits)
    undecided += _split_compute(search, reader, party, splits, visits)
    accesses: list[Access] = []
    readers: dict[int, list[str]] = {}  # holding -> the reached principals that may read it, in order
    for key, node in nodes.items():
        for index in reader.holdings_for(node):
            readers.setdefault(index, []).append(key)
    for index in reader.readable:
        holding = reader.holdings[index]
        best: tuple[int, _Visit, Found] | None = None  # the first of the shortest paths, in visit order
        total = 0
        for key in readers.get(index, ()):
            node = nodes[key]
            visit = visits[key]
            if node.problems:
                continue
            found, reasons = reader.read(node, index)
            if found is not None:
                total += 1
                length = len(visit.hops) + len(found[0])
                if best is None or length < best[0]:
                    best = (length, visit, found)
            elif reasons:
                undecided.append(
                    Undecided(party.name, holding, node.arn, READ_ACTION, holding.resource, reasons, visit.hops)
                )
        if best is not None:
            _, visit, (read_hops, fields) = best
            accesses.append(Access(party.name, holding, visit.start, (*visit.hops, *read_hops), total, fields))
    return accesses, undecided


def _unfollowed_compute(
    search: _Search, reader: Reader, party: Party, explored: list[Node], visits: dict[str, _Visit]
) -> list[Undecided]:
    """Existing compute that a not-modelled way of reach_compute.yaml goes through (read by the inventory of a
    live run): when a principal the party reaches may (possibly) make the way's first request on
    it, the holdings its role can read are in doubt for the party, with the row's why_not as the reason. So is a
    resource of an unsettled takeover row (a Glue job) whose role the snapshot does not hold: reach cannot decide the
    path's readings on a role it does not know (every holding is in doubt then)."""
    graph = search.graph
    found: list[Undecided] = []
    for compute in graph.snapshot.compute:
        unknown = compute.role_arn is not None and compute.role_arn not in graph.nodes
        doubted = [w for w in unfollowed() if w.takes_over == compute.kind]
        if unknown:
            doubted += [w for w in takeovers() if w.unsettled is not None and w.takes_over == compute.kind]
        for way in doubted:
            for who in explored:
                if who.problems:
                    continue
                key = (f"{way.id}:{compute.arn}", who.key)
                if key not in search.doubts:
                    search.doubts[key] = doubt(graph, way, who, compute)
                hop = search.doubts[key]
                if hop is None:
                    continue
                via = (*visits[who.key].hops, hop) if isinstance(hop, Hop) else visits[who.key].hops
                undecided = () if isinstance(hop, Hop) else tuple(hop)
                why = (f"is not modelled: {way.why_not}" if not way.modeled else
                       f"is unsettled ({way.unsettled.question if way.unsettled else ''}) and the role is not in "
                       f"the snapshot, so no reading can be decided.")
                reason = (f"{way.id} {why} {compute.arn} runs as {compute.role_arn}, which can read it", *undecided)
                for holding in _role_reads(search, reader, compute.role_arn):
                    found.append(Undecided(party.name, holding, who.arn, way.requests[0].action, compute.arn,
                                           reason, via))
                break  # one principal of the party that may is enough to put the role's reads in doubt
    return found


def _split_compute(
    search: _Search, reader: Reader, party: Party, splits: list[tuple[Node, _Visit, Split]], visits: dict[str, _Visit]
) -> list[Undecided]:
    """Paths of unsettled compute rows that hold under some readings only: when the party reaches the role by no
    path that holds (it is not among the principals visited), what the role can read is in doubt for the party."""
    found: list[Undecided] = []
    doubted: set[str] = set()
    for who, here, split in splits:
        if split.role.key in visits or split.role.key in doubted:
            continue
        doubted.add(split.role.key)  # one principal of the party that may is enough to put the role's reads in doubt
        for holding in _role_reads(search, reader, split.role.arn):
            found.append(Undecided(party.name, holding, who.arn, split.action, split.role.arn, split.reasons,
                                   (*here.hops, *split.hops)))
    return found


def _role_reads(search: _Search, reader: Reader, role_arn: str | None) -> list[Holding]:
    """The holdings a role can read or might (reach's own doubts included), found once; every holding for a role
    the snapshot does not hold (it cannot be bounded)."""
    if role_arn is None or role_arn not in search.graph.nodes:
        return list(reader.holdings)
    if role_arn not in search.role_reads:
        search.role_reads[role_arn] = []  # a cycle through the same role adds nothing more
        accesses, undecided = _reach_party(search, reader, Party(name=f"(as {role_arn})", principals=(role_arn,)))
        search.role_reads[role_arn] = holdings_read(accesses, undecided, reader.holdings)
    return search.role_reads[role_arn]


def _follow(
    outcome: Outcome, who: Node, here: _Visit, party: Party, reach_node: object, undecided: list[Undecided]
) -> None:
    if outcome is None:
        return
    if isinstance(outcome, Edge):
        reach_node(
            outcome.target,
            _Visit(
                here.start,
                (*here.hops, *outcome.hops),
                here.depth + 1,  # type: ignore[operator]
                here.count,
            ),
        )
        return
    undecided.append(Undecided(party.name, None, who.arn, "edge", "*", outcome, here.hops))


def compute_reach(snapshot: Snapshot, parties: Sequence[Party], holdings: Sequence[Holding], region: str) -> Reach:
    """Every holding each party reaches, with a shortest path, and whatever could not be decided."""
    graph = build_graph(snapshot, sorted({a for p in parties for a in p.accounts}), region)
    index = TrustIndex(graph)
    reader = Reader(graph, holdings)
    search = _Search(graph, index, {})
    accesses: list[Access] = []
    undecided: list[Undecided] = []
    for party in parties:
        found, doubts = _reach_party(search, reader, party)
        accesses += found
        undecided += doubts
    via_cloudfront = cloudfront_reads(graph, holdings)
    for party in parties:
        for read in via_cloudfront:
            if read.hops:
                accesses.append(Access(party.name, read.holding, "anyone on the internet", read.hops, 1))
            else:
                undecided.append(
                    Undecided(
                        party.name,
                        read.holding,
                        read.distribution.arn,
                        VIEW_ACTION,
                        read.holding.resource,
                        read.reasons,
                    )
                )
    unknown_kind = tuple(h for h in holdings if not (is_s3_holding(h) or is_table_holding(h)))
    found_doubts = construct_doubts(snapshot, holdings, lambda party: _reach_party(search, reader, party))
    return Reach(tuple(accesses), tuple(undecided), unknown_kind, found_doubts, (*snapshot.constructs, *snapshot.gaps))
