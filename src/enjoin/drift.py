"""Drift: what the live accounts hold that the reviewed code does not, and what that does to each clause.

A pure comparison of two Snapshots, the code side (the reviewed templates deployed into the emulator) and the live
side (the accounts as read), and of their two Judgments. No AWS access happens here: :mod:`enjoin.cli.drift` and the
pytest plugin take the snapshots, this module compares them.

Matching: by stable identity, never by the random ids AWS and moto mint.

- Users, groups, roles, customer managed policies, access points, identity providers, Lambda functions and Glue
  tables by ARN (``user_id``, ``role_id`` and ``key_id`` are never compared, and where a policy names them they read
  as the ARN of what they identify). Buckets by name. A key's KMS grants compare as a set, without their grant ids.
- KMS keys: a key's ARN holds a UUID that differs between every deployment, so a key is matched, in this order, by an
  alias it shares with the other side (``matched_by: "alias"``), else by a bucket whose default encryption names it on
  both sides (``"bucket-encryption"``), else by its tags (not ``aws:``) when they are the same and no other key of
  its side carries them (``"tags"``), else by a key policy identical on both sides (``"policy"``). Always within one
  account and region. Matched keys are compared, and everything that names them (a bucket's default encryption, a
  replication rule's replica key, any policy) names them by that identity, so a key's new UUID is never drift. A key
  that cannot be matched (no alias, encrypting no bucket, untagged, its policy changed) cannot be told from a new
  one: it is reported on its side, ``missing-live`` or ``console-created``, with ``matched_by`` null, never dropped.
- Lake Formation grants by (principal, table, permissions, columns, excluded columns): a grant is there or not.
- Existing compute by ARN, except EC2 instances, whose ids are random: by (account, region, instance profile or role).
  ECR repositories by ARN (their policy, tag mutability and the tags their images bear).
- SCPs and RCPs per account: each level of the account's chain (root first) compared as one statement list.

What counts (access-relevant): every field the Snapshot holds about a matched item but its identity and the random
ids above, so a field the inventory learns to read later is compared without a change here. Policy documents
(trust policies, inline policies by name, managed policies' default and other versions, bucket, access point, key
and function policies, SCPs and RCPs) are compared statement by statement after normalisation (:func:`normalise`):
``Id`` is dropped, a single value and a one-item list are the same, Action, Resource, Principal and Condition value
lists are sorted and de-duplicated, Sid is kept. Tags compare without the ``aws:`` keys AWS sets itself. Lists of
names (attached policies, groups, aliases, instance profiles) compare as sets. AWS managed policies are not compared:
their content is AWS's (moto carries an older copy), and attaching one is drift of the principal it is attached to.

Not compared: what only the templates declare (constructs, CloudFront distributions: a live run reads none) and the
reads a live backend was refused (gaps: the live judgment shows them as INDETERMINATE).
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from enjoin.judgment import Finding, Judgment, Verdict
from enjoin.snapshot import Bucket, Document, Key, Snapshot


class Status(enum.Enum):
    """Where an item stands between the code and the live accounts."""

    CONSOLE_CREATED = "console-created"  # exists live, not in the reviewed code (made by hand or another pipeline)
    MISSING_LIVE = "missing-live"  # in the reviewed code, not in the live accounts
    CHANGED = "changed"  # on both sides, with access-relevant differences


class StatementChangeKind(enum.Enum):
    """What happened to one statement of a policy document."""

    ADDED = "added"  # only in the live document
    REMOVED = "removed"  # only in the code's document
    CHANGED = "changed"  # the same statement (same Sid, or same index when neither has a Sid) with other content


class Comparison(enum.Enum):
    """A clause's live verdict against its code verdict, by :data:`SEVERITY`."""

    SAME = "same"  # as severe on both sides
    WORSE = "worse"  # live is more severe than the code
    BETTER = "better"  # live is less severe than the code


# How severe a verdict is, for the comparison of the two sides.
#
# COMPLIANT and NOT_APPLICABLE are equal (0): neither says a party reaches forbidden content; NOT_APPLICABLE only says
# the clause has nothing in scope, and both sides share the configuration that decides the scope. INDETERMINATE (1)
# is above them: something that could break the clause was not decided, and it fails a run (fail closed), so a clause
# proven COMPLIANT in the code and undecidable live has lost its proof. VIOLATION (2) is above INDETERMINATE: a
# proven breach is worse than a possible one, as within a clause a VIOLATION outranks an INDETERMINATE.
SEVERITY: Mapping[Verdict, int] = {
    Verdict.COMPLIANT: 0,
    Verdict.NOT_APPLICABLE: 0,
    Verdict.INDETERMINATE: 1,
    Verdict.VIOLATION: 2,
}


@dataclass(frozen=True, slots=True)
class StatementChange:
    """One statement added, removed or changed; its Sid, and its index in each document (None where absent)."""

    change: StatementChangeKind
    sid: str | None
    code_index: int | None
    live_index: int | None
    code: Document | None  # the normalised statement of the code, None when added
    live: Document | None  # the normalised statement read live, None when removed


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One access-relevant field that differs.

    ``field`` names it: a Snapshot field (``managed_policy_arns``), an inline policy (``inline_policies.Name``), a
    policy version (``other_versions.v1``), an SCP level (``level[1]``). A policy document gives its ``statements``
    (``code`` and ``live`` are None); a set gives what is ``added`` live and ``removed`` (``code`` and ``live`` hold
    both sides whole); any other value gives ``code`` and ``live``.
    """

    field: str
    code: Any = None
    live: Any = None
    added: tuple[Any, ...] = ()
    removed: tuple[Any, ...] = ()
    statements: tuple[StatementChange, ...] = ()


@dataclass(frozen=True, slots=True)
class ResourceDrift:
    """An item that exists on one side only, or differs.

    ``id`` is its stable identity (an ARN, a bucket's name, a key's alias...). ``code_ref`` and ``live_ref`` are what
    each side calls it when that holds a random id (a key's ARN): for tracing, never compared.
    """

    kind: str
    id: str
    account: str
    status: Status
    changes: tuple[FieldChange, ...] = ()
    matched_by: str | None = None
    code_ref: str | None = None
    live_ref: str | None = None


@dataclass(frozen=True, slots=True)
class ClauseDrift:
    """A clause's verdict on each side, how they compare, and the findings of one side only."""

    id: str
    title: str
    code: Verdict
    live: Verdict
    comparison: Comparison
    live_only: tuple[Finding, ...]
    code_only: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class Drift:
    """The comparison of the code side with the live side."""

    resources: tuple[ResourceDrift, ...]
    clauses: tuple[ClauseDrift, ...]
    code_verdict: Verdict
    live_verdict: Verdict

    @property
    def worse(self) -> bool:
        """Whether live is worse than the code on some clause."""
        return any(c.comparison is Comparison.WORSE for c in self.clauses)

    @property
    def drifted(self) -> bool:
        """Whether anything access-relevant differs: an item, or a finding that exists only live."""
        return bool(self.resources) or any(c.live_only for c in self.clauses)


# -- normalisation ---------------------------------------------------------------------------------------------------

_LISTED = ("Action", "NotAction", "Resource", "NotResource")


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _sorted_unique(values: Iterable[Any]) -> list[Any]:
    unique = {json.dumps(v, sort_keys=True): v for v in values}
    return [unique[k] for k in sorted(unique)]


def _condition_keys(keys: Any) -> Any:
    return {k: _sorted_unique(_as_list(v)) for k, v in sorted(keys.items())} if isinstance(keys, dict) else keys


def normalise_statement(statement: Any) -> Any:
    """A statement with its lists sorted and de-duplicated and single values as one-item lists (Sid kept)."""
    if not isinstance(statement, dict):
        return statement
    out: dict[str, Any] = {}
    for name, value in statement.items():
        if name in _LISTED:
            out[name] = _sorted_unique(_as_list(value))
        elif name in ("Principal", "NotPrincipal") and isinstance(value, dict):
            out[name] = {kind: _sorted_unique(_as_list(v)) for kind, v in sorted(value.items())}
        elif name == "Condition" and isinstance(value, dict):
            out[name] = {op: _condition_keys(keys) for op, keys in sorted(value.items())}
        else:
            out[name] = value
    return out


def normalise(document: Any) -> Document | None:
    """A policy document as compared: ``Version`` and the normalised statements (a lone statement as a list)."""
    if document is None:
        return None
    if not isinstance(document, dict):
        return {"Statement": [document]}
    statements = document.get("Statement", [])
    out: Document = {"Statement": [normalise_statement(s) for s in _as_list(statements)]}
    if "Version" in document:
        out["Version"] = document["Version"]
    return out


def _sid(statement: Any) -> str | None:
    sid = statement.get("Sid") if isinstance(statement, dict) else None
    return sid if isinstance(sid, str) and sid else None


def compare_statements(code: Document | None, live: Document | None) -> tuple[StatementChange, ...]:
    """The statements added, removed or changed from the code's document to the live one (both normalised).

    Statements pair by Sid when the Sid is unique in each document; the others pair when equal; what is left pairs by
    index when neither statement has a Sid (a console edit keeps a statement's place), else is added or removed.
    """
    left = list(enumerate((code or {}).get("Statement", [])))
    right = list(enumerate((live or {}).get("Statement", [])))
    changes: list[StatementChange] = []

    def unique_sids(items: list[tuple[int, Any]]) -> dict[str, tuple[int, Any]]:
        counts: dict[str, int] = {}
        for _, s in items:
            if _sid(s) is not None:
                counts[_sid(s) or ""] = counts.get(_sid(s) or "", 0) + 1
        return {_sid(s) or "": (i, s) for i, s in items if _sid(s) is not None and counts[_sid(s) or ""] == 1}

    code_sids, live_sids = unique_sids(left), unique_sids(right)
    for sid in sorted(code_sids.keys() & live_sids.keys()):
        (ci, cs), (li, ls) = code_sids[sid], live_sids[sid]
        if cs != ls:
            changes.append(StatementChange(StatementChangeKind.CHANGED, sid, ci, li, cs, ls))
        left.remove((ci, cs))
        right.remove((li, ls))
    for ci, cs in list(left):
        same = next(((li, ls) for li, ls in right if ls == cs), None)
        if same is not None:
            left.remove((ci, cs))
            right.remove(same)
    for ci, cs in list(left):
        at = next(((li, ls) for li, ls in right if li == ci and _sid(ls) is None and _sid(cs) is None), None)
        if at is not None:
            left.remove((ci, cs))
            right.remove(at)
            changes.append(StatementChange(StatementChangeKind.CHANGED, None, ci, at[0], cs, at[1]))
    changes += [StatementChange(StatementChangeKind.REMOVED, _sid(s), i, None, s, None) for i, s in left]
    changes += [StatementChange(StatementChangeKind.ADDED, _sid(s), None, i, None, s) for i, s in right]
    order = {StatementChangeKind.CHANGED: 0, StatementChangeKind.REMOVED: 1, StatementChangeKind.ADDED: 2}
    return tuple(sorted(changes, key=lambda c: (order[c.change], c.code_index or 0, c.live_index or 0)))


# -- keys: matched across deployments --------------------------------------------------------------------------------


def _key_refs(key: Key) -> set[str]:
    """Every way a bucket or a policy may name the key: its ARN, its id, its aliases (ARN and ``alias/x``)."""
    refs = {key.arn, key.key_id}
    for alias in key.aliases:
        refs |= {alias, alias.split(":", 5)[-1]}
    return refs


def _encrypted_buckets(key: Key, buckets: Sequence[Bucket]) -> set[str]:
    refs = _key_refs(key)
    return {b.name for b in buckets if b.kms_key_id in refs and b.account == key.account}


def _user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if not k.startswith("aws:")}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class _KeyMatch:
    label: str  # the identity both sides are renamed to
    matched_by: str | None
    code: Key | None
    live: Key | None


def match_keys(code: Snapshot, live: Snapshot) -> tuple[_KeyMatch, ...]:
    """Pair the code's KMS keys with the live ones (module docstring: alias, bucket encryption, tags, policy)."""
    code_left, live_left = list(code.keys), list(live.keys)
    matches: list[_KeyMatch] = []

    def pair(rule: str, signatures: Callable[[Key, Snapshot], set[str]]) -> None:
        def index(keys: list[Key], snapshot: Snapshot) -> dict[tuple[str, str, str], Key]:
            found: dict[tuple[str, str, str], list[Key]] = {}
            for key in keys:
                for sig in signatures(key, snapshot):
                    found.setdefault((key.account, key.region, sig), []).append(key)
            return {sig: ks[0] for sig, ks in found.items() if len(ks) == 1}

        code_index, live_index = index(code_left, code), index(live_left, live)
        for sig in sorted(code_index.keys() & live_index.keys()):
            c, lv = code_index[sig], live_index[sig]
            if c in code_left and lv in live_left:
                code_left.remove(c)
                live_left.remove(lv)
                label = sig[2] if rule == "alias" else f"{rule}:{sig[0]}:{sig[1]}:{sig[2]}"
                matches.append(_KeyMatch(label, rule, c, lv))

    pair("alias", lambda k, _: set(k.aliases))
    pair("bucket-encryption", lambda k, s: _encrypted_buckets(k, s.buckets))
    pair("tags", lambda k, _: {_canonical(_user_tags(k.tags))} if _user_tags(k.tags) else set())
    pair("policy", lambda k, _: {hashlib.sha256(_canonical(normalise(k.policy)).encode()).hexdigest()[:16]})
    matches += [_KeyMatch(k.arn, None, k, None) for k in code_left]
    matches += [_KeyMatch(k.arn, None, None, k) for k in live_left]
    return tuple(matches)


# -- random ids read as what they identify ---------------------------------------------------------------------------


class _Renamer:
    """Rewrites every string of a side: a key's ARN or id as its identity, a role's or user's unique id as its ARN."""

    def __init__(self, snapshot: Snapshot, key_labels: Mapping[str, str]) -> None:
        names: dict[str, str] = {}
        for key in snapshot.keys:
            label = key_labels[key.arn]
            names[key.arn] = label
            if key.key_id:
                names[key.key_id] = label
        uniques = [(r.role_id, r.arn) for r in snapshot.roles] + [(u.user_id, u.arn) for u in snapshot.users]
        for unique, arn in uniques:
            if unique:
                names[unique] = arn
        self._exact = names
        ordered = sorted(names, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        # A bucket's key given as an alias: the alias's key.
        self._aliases = {ref: key_labels[k.arn] for k in snapshot.keys for ref in _key_refs(k)}

    def key(self, ref: str | None) -> str | None:
        """What a bucket or a rule names as its KMS key, as the key's identity when the key is known."""
        return None if ref is None else self._aliases.get(ref, self.value(ref))

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            if self._pattern is None:
                return value
            return self._exact.get(value) or self._pattern.sub(lambda m: self._exact[m.group(0)], value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value


# -- items of each kind ----------------------------------------------------------------------------------------------

# Fields that identify an item (compared through its identity) or are random per deployment.
_IGNORED = frozenset({"arn", "name", "account", "region", "user_id", "role_id", "key_id", "database"})
_DOCUMENTS = frozenset({"policy", "trust_policy", "document"})
_ORDER = ("user", "group", "role", "managed-policy", "identity-provider", "bucket", "access-point", "key", "function",
          "table", "lake-formation-grant", "lake-admin", "compute", "repository", "scp", "rcp")


@dataclass(frozen=True, slots=True)
class _Item:
    kind: str
    id: str
    account: str
    fields: dict[str, Any]  # renamed, identity fields removed


def _plain(record: Any, renamer: _Renamer, keep: frozenset[str] = frozenset()) -> dict[str, Any]:
    data = asdict(record)
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name in _IGNORED and name not in keep:
            continue
        if name in ("kms_key_id", "replica_kms_key_id"):
            out[name] = renamer.key(value)
        elif name == "replication_rules":
            out[name] = [{**r, "replica_kms_key_id": renamer.key(r["replica_kms_key_id"])} for r in value]
        elif name == "grants":  # a key's KMS grants: the grant id is minted per grant, never compared
            plain = [renamer.value({k: v for k, v in g.items() if k != "grant_id"}) for g in value]
            out[name] = sorted(plain, key=_canonical)
        else:
            out[name] = renamer.value(value)
    return out


def _items(snapshot: Snapshot, renamer: _Renamer, keys: Mapping[str, _KeyMatch]) -> list[_Item]:
    items: list[_Item] = []
    for kind, records in (("user", snapshot.users), ("group", snapshot.groups), ("role", snapshot.roles),
                          ("identity-provider", snapshot.identity_providers), ("access-point", snapshot.access_points),
                          ("function", snapshot.functions), ("table", snapshot.tables),
                          ("repository", snapshot.repositories)):
        items += [_Item(kind, r.arn, r.account, _plain(r, renamer)) for r in records]
    items += [_Item("managed-policy", p.arn, p.arn.split(":")[4], _plain(p, renamer))
              for p in snapshot.policies if p.arn.split(":")[4] != "aws"]
    items += [_Item("bucket", b.name, b.account, _plain(b, renamer, frozenset({"account", "region"})))
              for b in snapshot.buckets]
    for key in snapshot.keys:
        match = keys[key.arn]
        items.append(_Item("key", match.label, key.account, _plain(key, renamer)))
    items += [_Item("lake-admin", admin, admin.split(":")[4] if admin.count(":") >= 4 else "", {})
              for admin in snapshot.lake_admins]
    for grant in snapshot.lake_formation_grants:
        plain = _plain(grant, renamer)
        identity = " ".join(f"{k}={_canonical(v)}" for k, v in sorted(plain.items()))
        items.append(_Item("lake-formation-grant", identity, grant.table.split(":")[4], {}))
    seen: dict[str, int] = {}
    for compute in snapshot.compute:
        if compute.kind == "ecs-task":  # a running task is the state of a service or a schedule, not code: not drift
            continue
        if compute.kind == "stepfunctions-state-machine":  # a template's is an unmodeled construct, never deployed:
            continue  # the reviewed side holds none to compare it with
        plain = _plain(compute, renamer)
        if compute.kind == "ec2-instance":  # its id is random: by where it runs and as what
            runs_as = compute.profile_arn or compute.role_arn or "none"
            base = f"ec2-instance:{compute.account}:{compute.region}:{runs_as}"
            seen[base] = seen.get(base, 0) + 1
            identity = base if seen[base] == 1 else f"{base}#{seen[base]}"
            items.append(_Item("compute", identity, compute.account, {}))
        else:
            items.append(_Item("compute", compute.arn, compute.account, plain))
    for kind, chains in (("scp", snapshot.organization.scps), ("rcp", snapshot.organization.rcps)):
        for account, levels in chains.items():
            fields = {f"level[{i}]": {"Statement": [s for p in level for s in _as_list(p.get("Statement", []))]}
                      for i, level in enumerate(levels)}
            items.append(_Item(kind, account, account, renamer.value(fields)))
    return items


def _compare_fields(code: Mapping[str, Any], live: Mapping[str, Any]) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for name in sorted(code.keys() | live.keys()):
        c, lv = code.get(name), live.get(name)
        if name in _DOCUMENTS or name.startswith("level["):
            statements = compare_statements(normalise(c), normalise(lv))
            version = (normalise(c) or {}).get("Version"), (normalise(lv) or {}).get("Version")
            if statements or (c is None) != (lv is None):
                changes.append(FieldChange(name, statements=statements))
            if c is not None and lv is not None and version[0] != version[1]:
                changes.append(FieldChange(f"{name}.Version", version[0], version[1]))
        elif name == "inline_policies":
            changes += _compare_fields({f"inline_policies.{p['name']}": p["document"] for p in c or []},
                                       {f"inline_policies.{p['name']}": p["document"] for p in lv or []})
        elif name.startswith("inline_policies.") or name.startswith("other_versions."):
            statements = compare_statements(normalise(c), normalise(lv))
            if statements:
                changes.append(FieldChange(name, statements=statements))
        elif name == "other_versions":
            changes += _compare_fields({f"other_versions.{v['version_id']}": v["document"] for v in c or []},
                                       {f"other_versions.{v['version_id']}": v["document"] for v in lv or []})
        elif name == "tags":
            cs = {f"{k}={v}" for k, v in _user_tags(c or {}).items()}
            ls = {f"{k}={v}" for k, v in _user_tags(lv or {}).items()}
            if cs != ls:
                changes.append(FieldChange(name, _user_tags(c or {}), _user_tags(lv or {}),
                                           tuple(sorted(ls - cs)), tuple(sorted(cs - ls))))
        elif isinstance(c, list) or isinstance(lv, list):
            cm = {_canonical(x): x for x in c or []}
            lm = {_canonical(x): x for x in lv or []}
            if cm.keys() != lm.keys():
                changes.append(FieldChange(name, [cm[k] for k in sorted(cm)], [lm[k] for k in sorted(lm)],
                                           tuple(lm[k] for k in sorted(lm.keys() - cm.keys())),
                                           tuple(cm[k] for k in sorted(cm.keys() - lm.keys()))))
        elif c != lv:
            changes.append(FieldChange(name, c, lv))
    return changes


def compare_snapshots(code: Snapshot, live: Snapshot) -> tuple[ResourceDrift, ...]:
    """Every item that exists on one side only or differs, ordered by kind then identity."""
    matches = match_keys(code, live)
    code_keys = {m.code.arn: m for m in matches if m.code is not None}
    live_keys = {m.live.arn: m for m in matches if m.live is not None}
    code_items = {(i.kind, i.id): i for i in _items(code, _Renamer(code, {a: m.label for a, m in code_keys.items()}),
                                                      code_keys)}
    live_items = {(i.kind, i.id): i for i in _items(live, _Renamer(live, {a: m.label for a, m in live_keys.items()}),
                                                      live_keys)}
    by_label = {m.label: m for m in matches}
    out: list[ResourceDrift] = []
    for identity in code_items.keys() | live_items.keys():
        c, lv = code_items.get(identity), live_items.get(identity)
        kind, ident = identity
        match = by_label.get(ident) if kind == "key" else None
        refs: dict[str, Any] = {}
        if match is not None:
            refs = {"matched_by": match.matched_by, "code_ref": match.code.arn if match.code else None,
                    "live_ref": match.live.arn if match.live else None}
        if c is None and lv is not None:
            out.append(ResourceDrift(kind, ident, lv.account, Status.CONSOLE_CREATED, (), **refs))
        elif lv is None and c is not None:
            out.append(ResourceDrift(kind, ident, c.account, Status.MISSING_LIVE, (), **refs))
        elif c is not None and lv is not None:
            changes = _compare_fields(c.fields, lv.fields)
            if changes:
                out.append(ResourceDrift(kind, ident, c.account, Status.CHANGED, tuple(changes), **refs))
    return tuple(sorted(out, key=lambda r: (_ORDER.index(r.kind), r.id)))


# -- clauses ---------------------------------------------------------------------------------------------------------


def _finding_key(finding: Finding) -> tuple[str, ...]:
    """A finding's identity across the two sides: what judgment de-duplicates on (stable ARNs only)."""
    return (finding.verdict.value, finding.party, finding.principal, finding.action, finding.resource, finding.holding)


def compare_judgments(code: Judgment, live: Judgment) -> tuple[ClauseDrift, ...]:
    """Each clause's verdict on both sides, how they compare (:data:`SEVERITY`) and the findings of one side only."""
    live_by_id = {c.id: c for c in live.clauses}
    out: list[ClauseDrift] = []
    for c in sorted(code.clauses, key=lambda c: c.id):
        lv = live_by_id[c.id]
        rank = SEVERITY[lv.verdict] - SEVERITY[c.verdict]
        comparison = Comparison.WORSE if rank > 0 else Comparison.BETTER if rank < 0 else Comparison.SAME
        code_keys = {_finding_key(f) for f in c.findings}
        live_keys = {_finding_key(f) for f in lv.findings}
        out.append(ClauseDrift(
            c.id, c.title, c.verdict, lv.verdict, comparison,
            tuple(f for f in lv.findings if _finding_key(f) not in code_keys),
            tuple(f for f in c.findings if _finding_key(f) not in live_keys),
        ))
    return tuple(out)


def compare(code: Snapshot, live: Snapshot, code_judgment: Judgment, live_judgment: Judgment) -> Drift:
    """The drift from the code side to the live side: items and clauses.

    The two judgments must be of the same case on the same date (the caller judges both sides under one
    configuration).
    """
    return Drift(compare_snapshots(code, live), compare_judgments(code_judgment, live_judgment),
                 code_judgment.verdict, live_judgment.verdict)
