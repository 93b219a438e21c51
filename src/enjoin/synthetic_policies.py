"""The policy documents of :mod:`enjoin.synthetic`'s organisations: identity, trust, bucket and key policies.

Each helper draws from the generator's seeded stream, so equal specs give equal documents. The shapes are
the ones real accounts hold (AWS managed policies as AWS publishes their statements, the default key
policy, the "deny plain HTTP" and "force MFA" patterns); the names and values are synthetic.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from enjoin.snapshot import Group, Key, ManagedPolicy, NamedPolicy, User

PARTY_PREFIX = "dhs-"
Doc = dict[str, Any]
# AWS managed policies, with the statements AWS publishes for them that bear on reads and role assumption.
AWS_MANAGED = {
    "AdministratorAccess": ManagedPolicy(
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "AdministratorAccess",
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    ),
    "PowerUserAccess": ManagedPolicy(
        "arn:aws:iam::aws:policy/PowerUserAccess",
        "PowerUserAccess",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": [
                        "iam:CreateServiceLinkedRole",
                        "iam:DeleteServiceLinkedRole",
                        "iam:ListRoles",
                        "organizations:DescribeOrganization",
                        "account:ListRegions",
                        "account:GetAccountInformation",
                    ],
                    "Resource": "*",
                },
            ],
        },
    ),
    "AmazonS3ReadOnlyAccess": ManagedPolicy(
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "AmazonS3ReadOnlyAccess",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:Get*", "s3:List*", "s3-object-lambda:Get*", "s3-object-lambda:List*"],
                    "Resource": "*",
                }
            ],
        },
    ),
}


class Names:
    """Deterministic identifiers: unique ids, key ids and external ids drawn from the generator's stream."""

    def __init__(self, region: str, rng: random.Random) -> None:
        self.region, self._rng = region, rng
        self._count = 0

    def unique_id(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}SYNTH{self._count:012d}"

    def uuid(self) -> str:
        h = f"{self._rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"

    def condition(self, kind: str) -> Doc:
        """A condition block of ``kind``: the operators and keys real policies use."""
        if kind == "external_id":  # a secret per trust relationship, as vendors are given
            return {"StringEquals": {"sts:ExternalId": f"ext-{self._rng.randrange(10**9):09d}"}}
        table: dict[str, Doc] = {
            "mfa": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            "tag": {"StringEquals": {"aws:PrincipalTag/team": "data"}},
            "source_ip": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]}},
            "tls": {"Bool": {"aws:SecureTransport": "true"}},
            "via_s3": {"StringEquals": {"kms:ViaService": f"s3.{self.region}.amazonaws.com"}},
        }
        return table[kind]


def statement_doc(
    effect: str,
    actions: list[str],
    resources: list[str],
    condition: Doc | None = None,
    sid: str | None = None,
    *,
    not_action: bool = False,
) -> Doc:
    """One statement; a single action or resource is written as a string, as AWS returns it."""
    out: Doc = {"Sid": sid} if sid else {}
    out["Effect"] = effect
    out["NotAction" if not_action else "Action"] = actions[0] if len(actions) == 1 else actions
    out["Resource"] = resources[0] if len(resources) == 1 else resources
    if condition:
        out["Condition"] = condition
    return out


def _maybe(rng: random.Random, rate: float, kind: str, names: Names) -> Doc | None:
    return names.condition(kind) if rng.random() < rate else None


def _objects(names_: Sequence[str], rng: random.Random) -> list[str]:
    return [f"arn:aws:s3:::{n}/{'exports/' if rng.random() < 0.2 else ''}*" for n in names_]


def identity_statements(
    rng: random.Random,
    kind: str,
    acct: str,
    bucket_names: Mapping[str, list[str]],
    keys_of: Mapping[str, list[Key]],
    may_assume: list[str],
    rate: float,
    names: Names,
) -> tuple[list[Doc], list[str]]:
    """The inline statements and the attached AWS managed policies of a role of ``kind``."""
    own = bucket_names.get(acct, [])
    label = own[0].split("-", 1)[0] if own else "none"
    keys = [k.arn for k in keys_of.get(acct, [])] or ["*"]
    read = ["s3:GetObject", "s3:ListBucket"]
    decrypt = statement_doc("Allow", ["kms:Decrypt"], keys, names.condition("via_s3"), "UseDataKeys")
    out: list[Doc] = [
        statement_doc(
            "Allow",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [f"arn:aws:logs:{names.region}:{acct}:*"],
            None,
            "Logs",
        )
    ]
    attached: list[str] = []
    if kind == "svc" and own:
        out += [
            statement_doc(
                "Allow",
                [*read, "s3:PutObject"],
                _objects(rng.sample(own, min(2, len(own))), rng),
                _maybe(rng, rate, "tls", names),
            ),
            decrypt,
        ]
    elif kind == "app" and own:
        out += [
            statement_doc(
                "Allow",
                ["s3:GetObject", "s3:PutObject"],
                _objects(rng.sample(own, min(len(own), rng.randrange(1, 4))), rng),
                _maybe(rng, rate, "source_ip", names),
                "AppData",
            ),
            statement_doc(
                "Allow",
                ["dynamodb:GetItem", "dynamodb:PutItem"],
                [f"arn:aws:dynamodb:{names.region}:{acct}:table/app-*"],
            ),
            statement_doc("Allow", ["kms:Decrypt", "kms:GenerateDataKey"], ["*"], names.condition("via_s3")),
        ]
    elif kind == "analyst":
        out += [
            statement_doc(
                "Allow",
                ["s3:Get*", "s3:List*"],
                [f"arn:aws:s3:::{label}-*", f"arn:aws:s3:::{label}-*/*"],
                _maybe(rng, rate, "source_ip", names),
                "AnalystRead",
            ),
            statement_doc("Deny", ["s3:GetObject"], [f"arn:aws:s3:::{label}-backup-*/*"], None, "NoBackups"),
            decrypt,
        ]
        if rng.random() < rate:  # the "force MFA" pattern: everything but a few actions needs MFA
            out.append(
                statement_doc(
                    "Deny",
                    ["iam:ChangePassword", "sts:GetSessionToken"],
                    ["*"],
                    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                    "ForceMfa",
                    not_action=True,
                )
            )
    elif kind == "etl":
        out += [
            statement_doc(
                "Allow",
                read,
                ["arn:aws:s3:::*-etl-*/*", "arn:aws:s3:::*-tmsis-*/*"],
                _maybe(rng, rate, "tag", names),
                "EtlRead",
            ),
            statement_doc("Allow", ["kms:Decrypt"], ["*"], names.condition("via_s3")),
        ]
    elif kind == "vendor":
        other = rng.choice([a for a in bucket_names if bucket_names[a]])
        out.append(statement_doc("Allow", ["s3:GetObject"], _objects([rng.choice(bucket_names[other])], rng)))
    elif kind in ("audit", "power", "admin"):
        attached.append(
            AWS_MANAGED[
                {
                    "audit": "AmazonS3ReadOnlyAccess",
                    "power": "PowerUserAccess",
                    "admin": "AdministratorAccess",
                }[kind]
            ].arn
        )
    elif kind == "share" and own:
        medicaid = [n for n in own if "-tmsis-" in n or "-claims-" in n] or own
        out += [
            statement_doc("Allow", ["s3:GetObject"], _objects(rng.sample(medicaid, 1), rng), None, "Share"),
            decrypt,
        ]
    elif kind == "party":
        out += [
            statement_doc("Allow", ["s3:GetObject", "kms:Decrypt"], ["*"], None, "Collect"),
            statement_doc("Allow", ["sts:AssumeRole"], ["*"], None, "AssumeAnything"),
        ]
    elif kind == "dhs":
        out.append(
            statement_doc("Allow", ["sts:AssumeRole"], [f"arn:aws:iam::{acct}:role/share-*"], None, "AssumeShares")
        )
    if may_assume and kind not in ("party", "dhs"):
        targets = sorted(rng.sample(may_assume, min(len(may_assume), rng.randrange(1, 4))))
        out.append(
            statement_doc("Allow", ["sts:AssumeRole"], targets, _maybe(rng, rate / 2, "mfa", names), "AssumeOnward")
        )
    return out, attached


def customer_managed(
    rng: random.Random, acct: str, own: list[str], count: int, rate: float, names: Names
) -> list[ManagedPolicy]:
    """``count`` customer managed policies of ``acct``: a boundary, reads of some buckets, key use, guards."""
    out: list[ManagedPolicy] = []
    for n in range(count):
        shape = n % 4
        if shape == 0:
            name, doc = (
                f"boundary-app{'' if n == 0 else f'-{n}'}",
                [
                    statement_doc("Allow", ["s3:*", "kms:*", "sts:AssumeRole", "logs:*", "dynamodb:*"], ["*"]),
                    statement_doc("Deny", ["iam:*"], ["*"], None, "NoIam"),
                ],
            )
        elif shape == 1 and own:
            name, doc = (
                f"read-{n:02d}",
                [
                    statement_doc(
                        "Allow",
                        ["s3:GetObject"],
                        _objects(rng.sample(own, min(len(own), rng.randrange(1, 5))), rng),
                        _maybe(rng, rate, "tag", names),
                        "ReadSome",
                    )
                ],
            )
        elif shape == 2:
            name, doc = (
                f"kms-use-{n:02d}",
                [
                    statement_doc(
                        "Allow",
                        ["kms:Decrypt", "kms:DescribeKey"],
                        ["*"],
                        names.condition("via_s3"),
                        "KeysThroughS3",
                    )
                ],
            )
        else:
            name, doc = (
                f"guard-{n:02d}",
                [
                    statement_doc(
                        "Deny",
                        ["s3:PutObject"],
                        ["*"],
                        {"Null": {"s3:x-amz-server-side-encryption": "true"}},
                        "NoUnencryptedUploads",
                    )
                ],
            )
        out.append(
            ManagedPolicy(f"arn:aws:iam::{acct}:policy/{name}", name, {"Version": "2012-10-17", "Statement": doc})
        )
    return out


def trust_policy(rng: random.Random, trust: list[tuple[str, str | None]], rate: float, names: Names) -> Doc:
    """A trust policy naming every principal of ``trust`` once, grouped by the condition each carries."""
    groups: dict[str, list[str]] = {}
    services: list[str] = []
    for principal, kind in trust:
        if principal.endswith(".amazonaws.com"):
            services.append(principal)
            continue
        keep = kind is not None and ((kind == "external_id" and rate > 0) or rng.random() < 2 * rate)
        groups.setdefault(kind if keep and kind else "", []).append(principal)
    statements: list[Doc] = []
    if services:
        statements.append(
            {
                "Effect": "Allow",
                "Principal": {"Service": services[0] if len(services) == 1 else services},
                "Action": "sts:AssumeRole",
            }
        )
    for kind, principals in groups.items():
        stmt: Doc = {
            "Effect": "Allow",
            "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
            "Action": "sts:AssumeRole",
        }
        if kind:
            stmt["Condition"] = names.condition(kind)
        statements.append(stmt)
    return {"Version": "2012-10-17", "Statement": statements}


def bucket_policy(rng: random.Random, name: str, readers: list[str], rate: float, names: Names) -> Doc | None:
    """A bucket policy, or None: deny plain HTTP, grant reads to other accounts' roles, require a tag."""
    sensitive = "-tmsis-" in name or "-claims-" in name
    if rng.random() < (0.2 if sensitive else 0.5):
        return None
    arn = f"arn:aws:s3:::{name}"
    statements: list[Doc] = []
    if rng.random() < 0.6:
        statements.append(
            {
                "Sid": "DenyPlainHttp",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
    if readers and (not statements or rng.random() < 0.4):
        grantees = rng.sample(readers, min(len(readers), rng.randrange(1, 4)))
        stmt: Doc = {
            "Sid": "CrossAccountRead",
            "Effect": "Allow",
            "Principal": {"AWS": grantees[0] if len(grantees) == 1 else grantees},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [arn, f"{arn}/*"],
        }
        condition = _maybe(rng, rate, "source_ip", names)
        if condition:
            stmt["Condition"] = condition
        statements.append(stmt)
    if rng.random() < (0.85 if sensitive else 0.05):
        statements.append(
            {
                "Sid": "MedicaidClassOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"{arn}/*",
                "Condition": {"StringNotEquals": {"aws:PrincipalTag/data-class": "medicaid"}},
            }
        )
    if not statements:
        statements.append(
            {
                "Sid": "DenyPlainHttp",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def key_policy(acct: str, grantees: list[str], region: str) -> Doc:
    """The default key policy (the account delegates to IAM) and, maybe, decryption through S3 for others."""
    statements: list[Doc] = [
        {
            "Sid": "EnableIAMUserPermissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{acct}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if grantees:
        statements.append(
            {
                "Sid": "DecryptThroughS3",
                "Effect": "Allow",
                "Principal": {"AWS": grantees[0] if len(grantees) == 1 else grantees},
                "Action": ["kms:Decrypt", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def users_and_groups(accounts: list[str], per_account: int, names: Names) -> tuple[list[User], list[Group]]:
    """``per_account`` human users per account, in a group that may assume the account's roles with MFA."""
    users: list[User] = []
    groups: list[Group] = []
    for acct in accounts:
        group_arn = f"arn:aws:iam::{acct}:group/engineers"
        assume_own = statement_doc(
            "Allow",
            ["sts:AssumeRole"],
            [f"arn:aws:iam::{acct}:role/*"],
            {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            "AssumeWithMfa",
        )
        groups.append(
            Group(
                group_arn,
                "engineers",
                acct,
                inline_policies=(NamedPolicy("assume-roles", {"Version": "2012-10-17", "Statement": [assume_own]}),),
            )
        )
        for n in range(per_account):
            name = f"user-{n:02d}"
            users.append(
                User(
                    f"arn:aws:iam::{acct}:user/{name}",
                    name,
                    acct,
                    user_id=names.unique_id("AIDA"),
                    tags={"team": "ops" if n % 2 else "data"},
                    group_arns=(group_arn,),
                )
            )
    return users, groups


def scps(acct: str) -> tuple[tuple[Doc, ...], ...]:
    """The SCP levels of an agency account: full access at the root; a guard on odd-numbered accounts."""
    full = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    guard = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "NoLeaving",
                "Effect": "Deny",
                "Action": "organizations:LeaveOrganization",
                "Resource": "*",
            },
            {
                "Sid": "NoPlainHttpReads",
                "Effect": "Deny",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
    return ((full,), (full, guard) if int(acct) % 2 else (full,))
