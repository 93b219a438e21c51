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
"""

from __future__ import annotations

from collections import deque
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass

from enjoin.config_model import Holding, Party
from enjoin.reach_data import Reader, buckets_for, is_s3_holding, is_table_holding, tables_for
from enjoin.reach_edges import (
    REWRITE_ACTIONS,
    Edge,
    Outcome,
    TrustIndex,
    assume,
    empower,
    may_allow,
    pass_role_to_lambda,
    rewrite_trust,
    take_credentials,
    update_function_code,
)
from enjoin.reach_graph import PARTY_CONTROLLED_ROLE, Graph, Node, build_graph, wildcard
from enjoin.reach_model import (
    ASSUME_ACTION,
    DECRYPT_ACTION,
    READ_ACTION,
    Access,
    Hop,
    Reach,
    Undecided,
)
from enjoin.snapshot import Snapshot

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


class _Search:
    """One party's breadth-first search over the graph (edge answers are memoised across parties)."""

    def __init__(self, graph: Graph, index: TrustIndex, memo: dict[tuple[str, str, str], list[Outcome]]) -> None:
        self.graph = graph
        self.index = index
        self.memo = memo
        self.by_account: dict[str, list[Node]] = {}
        for node in graph.nodes.values():
            self.by_account.setdefault(node.account, []).append(node)

    def edges(self, who: Node, reached: Container[str]) -> Iterator[Outcome]:
        """Edges from ``who`` to principals not reached yet (a reached one has a path no longer)."""
        graph = self.graph
        for role_arn in self.index.candidates(who):
            if role_arn not in reached:
                yield from self._memo("assume", who, graph.nodes[role_arn], lambda w, t: [assume(graph, w, t)])
        if who.account in graph.party_accounts:
            return  # the party's own principals are all starts already
        for target in self.by_account.get(who.account, ()):
            if target.synthetic or target.arn == who.arn or target.key in reached:
                continue
            if target.kind == "role":
                yield from self._memo("trust", who, target, lambda w, t: [rewrite_trust(graph, w, t)])
                if target.arn in self.index.lambda_roles:
                    yield from self._memo("passrole", who, target, lambda w, t: [pass_role_to_lambda(graph, w, t)])
            else:
                yield from self._memo("credentials", who, target, lambda w, t: [take_credentials(graph, w, t)])
        for function in graph.snapshot.functions:
            role = graph.nodes.get(function.role_arn)
            if role is not None and function.account == who.account and role.key not in reached:
                yield from self._memo(
                    f"code:{function.arn}",
                    who,
                    role,
                    lambda w, t, f=function: [update_function_code(graph, w, f, t)],
                )

    def _memo(self, kind: str, who: Node, target: Node, compute: object) -> list[Outcome]:
        key = (kind, who.key, target.key)
        if key not in self.memo:
            self.memo[key] = compute(who, target)  # type: ignore[operator]
        return self.memo[key]

    def empowerments(self, who: Node, target: Node) -> list[Outcome]:
        return self._memo("empower", who, target, lambda w, t: list(empower(self.graph, w, t)))


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


def _reach_party(
    search: _Search, reader: Reader, party: Party, readable: Sequence[int]
) -> tuple[list[Access], list[Undecided]]:
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
    while queue:
        while queue:
            who = queue.popleft()
            here = visits[who.key]
            explored.append(who)
            if who.problems:
                undecided.append(Undecided(party.name, None, who.arn, "*", "*", who.problems, here.hops))
                continue
            for outcome in search.edges(who, visits):
                _follow(outcome, who, here, party, reach_node, undecided)
        # Rewrites: the party acts as both the principal that rewrites and the one rewritten.
        # Only principals of a non-party account whose policies could allow a rewrite are asked, and
        # only about principals of their own account (IAM has no cross-account rewrites).
        by_account: dict[str, list[Node]] = {}
        for node in explored:
            by_account.setdefault(node.account, []).append(node)
        rewriters = [
            w
            for w in explored
            if not w.problems
            and w.account not in graph.party_accounts
            and any(may_allow(w, a) for a in REWRITE_ACTIONS)
        ]
        for who in rewriters:
            for target in by_account.get(who.account, ()):
                if (who.key, target.key) in rewritten or f"{target.arn}#empowered" in visits:
                    continue
                rewritten.add((who.key, target.key))
                for outcome in search.empowerments(who, target):
                    if isinstance(outcome, Edge):
                        base = visits[target.key]
                        via = visits[who.key]
                        hops = (*via.hops, *outcome.hops, *base.hops)
                        reach_node(outcome.target, _Visit(via.start, hops, max(via.depth, base.depth) + 1, via.count))
                    elif outcome:
                        undecided.append(
                            Undecided(party.name, None, who.arn, "iam:*", target.arn, outcome, visits[who.key].hops)
                        )
    accesses: list[Access] = []
    keys_by_account: dict[str, list[str]] = {}
    for key, node in nodes.items():
        keys_by_account.setdefault(node.account, []).append(key)
    for index in readable:
        best: Access | None = None
        total = 0
        for key in reader.candidates(index, nodes, keys_by_account):
            node = nodes[key]
            visit = visits[key]
            if node.problems:
                continue
            found, reasons = reader.read(node, index)
            holding = reader.holdings[index]
            if found is not None:
                read_hops, fields = found
                total += 1
                candidate = Access(party.name, holding, visit.start, (*visit.hops, *read_hops), 0, fields)
                if best is None or len(candidate.hops) < len(best.hops):
                    best = candidate
            elif reasons:
                undecided.append(
                    Undecided(party.name, holding, node.arn, READ_ACTION, holding.resource, reasons, visit.hops)
                )
        if best is not None:
            accesses.append(Access(best.party, best.holding, best.start, best.hops, total, best.fields))
    return accesses, undecided


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
    readable = [i for i, h in enumerate(holdings) if is_s3_holding(h) or is_table_holding(h)]
    accesses: list[Access] = []
    undecided: list[Undecided] = []
    for party in parties:
        found, doubts = _reach_party(search, reader, party, readable)
        accesses += found
        undecided += doubts
    unknown_kind = tuple(h for h in holdings if not (is_s3_holding(h) or is_table_holding(h)))
    return Reach(tuple(accesses), tuple(undecided), unknown_kind)
