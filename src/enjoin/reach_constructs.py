"""The holdings an unmodeled construct, or a read the backend refused (a gap), can affect: each a doubt that
makes them INDETERMINATE.

A construct the templates declare and enjoin did not model (:class:`~enjoin.snapshot.Construct`) cannot be
ignored, but it does not put every clause in doubt either: its classification says what it can affect
(``affects``), and what it refers to bounds that:

- ``roles`` / ``users``: whatever those principals can read, found by reach itself, starting from each of
  them as if a party held it (running code as a role gives that role's reads, no more). A role or user it
  names that the snapshot does not hold cannot be bounded: every holding then;
- ``buckets``: the holdings stored in the buckets it names, and those replicated into them; ``tables``: those of
  the tables it names; ``keys``: the holdings in buckets encrypted with the keys it names, or whose replicas are;
- ``function_roles``: the reads of the execution roles of the Lambda functions it invokes with its callers'
  input and whose answers it returns (an API, a function URL, a load balancer's target group);
- ``service_token``: the reads of the execution role of the function a custom resource calls;
- ``self``: the resource the property belongs to, in the same terms;
- ``all``, or anything that could not be bounded (``Construct.unbounded``): every holding.

A construct whose bound finds no holding affects nothing, and the holdings keep their verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from enjoin.config_model import Holding, Party
from enjoin.reach_data import buckets_for, is_s3_holding, resolve_key
from enjoin.reach_model import Access, Doubt, Undecided, holdings_read
from enjoin.reach_tables import is_table_holding, tables_for
from enjoin.snapshot import Construct, Snapshot

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
_USER_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:user/.+$")


# What a principal can read: (holdings it reaches, holdings in doubt for it).
PrincipalReads = Callable[[Party], tuple[Sequence[Access], Sequence[Undecided]]]


def doubts(snapshot: Snapshot, holdings: Sequence[Holding], reads_of: PrincipalReads) -> tuple[Doubt, ...]:
    """Every (unmodeled construct or gap, holding it can affect) pair of the snapshot's constructs and gaps."""
    bound = _Bounds(snapshot, holdings, reads_of)
    found: list[Doubt] = []
    for construct in (*snapshot.constructs, *snapshot.gaps):
        if construct.klass not in {"unmodeled", "gap"}:
            continue
        for holding, how in bound.affected(construct):
            found.append(Doubt(construct, holding, how))
    return tuple(found)


class _Bounds:
    def __init__(self, snapshot: Snapshot, holdings: Sequence[Holding], reads_of: PrincipalReads) -> None:
        self.snapshot, self.holdings, self.reads_of = snapshot, holdings, reads_of
        self.roles = {r.arn: r for r in snapshot.roles}
        self.users = {u.arn: u for u in snapshot.users}
        self.functions = {f.arn: f for f in snapshot.functions}
        self.principal_reads: dict[str, list[Holding]] = {}

    def affected(self, c: Construct) -> list[tuple[Holding, str]]:
        if c.unbounded:
            return [(h, f"what it affects cannot be bounded: {c.unbounded}") for h in self.holdings]
        out: dict[int, tuple[Holding, str]] = {}

        def add(holdings: Sequence[Holding], how: str) -> None:
            for holding in holdings:
                out.setdefault(id(holding), (holding, how))

        kinds = set(c.affects)
        if kinds & {"roles", "function_roles", "service_token", "self"}:
            roles = list(c.roles)
            # A function's execution role counts where the construct runs it with callers' input and
            # returns its output (function_roles), or is run by it (a custom resource's ServiceToken).
            functions = c.functions if kinds & {"function_roles", "service_token", "self"} else ()
            for function in functions:
                found = self.functions.get(function) or next(
                    (f for f in self.snapshot.functions if f.name == function), None
                )
                if found is None:
                    return [(h, f"it calls {function}, a function enjoin has not read") for h in self.holdings]
                roles.append(found.role_arn)
            roles += [m for m in c.mentions if _ROLE_ARN.match(m)]
            for role in dict.fromkeys(roles):
                if role not in self.roles:
                    return [(h, f"it runs as or names {role}, a role enjoin has not read") for h in self.holdings]
                add(self._reads(role), f"it can act with the permissions of {role}, which can read it")
        if kinds & {"users", "self"}:
            users = list(c.users) + [m for m in c.mentions if _USER_ARN.match(m)]
            for user in dict.fromkeys(users):
                if user not in self.users:
                    return [(h, f"it names {user}, a user enjoin has not read") for h in self.holdings]
                add(self._reads(user), f"it can act with the permissions of {user}, which can read it")
        if kinds & {"buckets", "self"}:
            known = {b.name for b in self.snapshot.buckets}
            names = set(c.buckets) | {_bucket_of(m) for m in c.mentions} | {m for m in c.mentions if m in known}
            # A bucket that receives replicas of another holds that one's data too.
            sources = {b.name for b in self.snapshot.buckets
                       if any(_bucket_of(r.destination_bucket) in names for r in b.replication_rules)}
            for holding in self.holdings:
                if not is_s3_holding(holding):
                    continue
                stored = buckets_for(holding, self.snapshot.buckets)
                if any(b.name in names for b in stored):
                    add([holding], "it configures or names the bucket that stores it")
                elif any(b.name in sources for b in stored):
                    add([holding], "it configures or names a bucket its objects are replicated into")
        if kinds & {"tables", "self"}:
            every = "*" in c.tables
            for holding in self.holdings:
                if not is_table_holding(holding):
                    continue
                tables = tables_for(holding, self.snapshot.tables)
                if every or any(t.arn in c.tables or t.arn in c.mentions for t in tables):
                    add([holding], "it configures or names the table (or the catalog) that holds it")
        if kinds & {"keys", "self"}:
            keys = [resolve_key(k, self.snapshot.keys) for k in (*c.keys, *c.mentions)]
            arns = {k.arn for k in keys if k is not None}
            for holding in self.holdings:
                if not is_s3_holding(holding):
                    continue
                for bucket in buckets_for(holding, self.snapshot.buckets):
                    key = resolve_key(bucket.kms_key_id, self.snapshot.keys)
                    if key is not None and key.arn in arns:
                        add([holding], f"it bears on {key.arn}, the key that encrypts it")
                    for rule in bucket.replication_rules:
                        replica = resolve_key(rule.replica_kms_key_id, self.snapshot.keys)
                        if replica is not None and replica.arn in arns:
                            add([holding], f"it bears on {replica.arn}, the key that encrypts its replicas")
        return list(out.values())

    def _reads(self, principal: str) -> list[Holding]:
        """The holdings ``principal`` can read or might (reach's own doubts included), found once."""
        if principal not in self.principal_reads:
            # A party's principals are patterns; an IAM ARN holds neither * nor ?, so it names only itself.
            accesses, undecided = self.reads_of(Party(name=f"(as {principal})", principals=(principal,)))
            self.principal_reads[principal] = holdings_read(accesses, undecided, self.holdings)
        return self.principal_reads[principal]


def _bucket_of(text: str) -> str:
    """The bucket a string names as an S3 ARN or URL, or ""."""
    for prefix in ("arn:aws:s3:::", "arn:aws-us-gov:s3:::", "arn:aws-cn:s3:::", "s3://"):
        if text.startswith(prefix):
            return text[len(prefix) :].split("/", 1)[0]
    return ""
