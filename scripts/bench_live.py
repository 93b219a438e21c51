"""The live inventory at organisation scale: a stand-in organisation read as a nightly run reads AWS.

moto's threaded server (the stand-in of tests/backends/standin.py, in this process) is filled through its own API,
an admin path, with an organisation of ``--accounts`` accounts, each with ``--roles`` roles (trust policies of the
usual kinds: a service, the account itself, a role of another account with an ExternalId; one inline policy each
reading some of the account's buckets and keys, some passing or assuming other roles) and ``--buckets`` buckets
(half with a bucket policy, a quarter encrypted with one of the account's KMS keys), plus the audit role in each.
Then, with ``AWS_ENDPOINT_URL`` at the server and the audit roles only, the live backend reads every account
(eight at a time, as a real run does), and reach and judgment run over what it read for a small enjoin.yaml naming
those accounts: a party of the last account, holdings in three buckets of the first.

It prints accounts per minute, the API calls the inventory made (counted by the server's request log, by service
and operation), peak memory (this process's maximum resident set, which holds the server and its state too, so
the part before the inventory is printed beside it), and the time split (inventory, reach, judgment).

    python scripts/bench_live.py                                   # 50 accounts x 100 roles x 40 buckets
    python scripts/bench_live.py --accounts 3 --roles 5 --buckets 4

This script is never imported by the library.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "backends"))

import standin  # the stand-in of the live tests, found through the path inserted above

from enjoin.backends import get_backend
from enjoin.backends.moto import MotoBackend
from enjoin.case import load_case
from enjoin.config import load
from enjoin.judgment import judge
from enjoin.pipeline import check_holdings, check_parties, read_only_snapshot
from enjoin.reach import compute_reach

REGION = standin.REGION
FILL_WORKERS = 4


def account_id(index: int) -> str:
    return f"{100000000000 + index:012d}"


def bucket_name(account: str, index: int) -> str:
    return f"org-{account}-data-{index:03d}"


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(rng: random.Random, account: str, accounts: list[str], index: int) -> str:
    """One of the trust policies organisations hold: a service, the account itself, another account's role."""
    kind = index % 4
    if kind == 0:
        service = rng.choice(["lambda", "ec2", "glue", "ecs-tasks"])
        principal: dict[str, Any] = {"Service": f"{service}.amazonaws.com"}
        return _document({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})
    if kind in (1, 2):
        return _document({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                          "Action": "sts:AssumeRole",
                          "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}})
    other = rng.choice([a for a in accounts if a != account] or [account])
    trusted = f"arn:aws:iam::{other}:role/role-{rng.randrange(10):03d}"
    return _document({"Effect": "Allow", "Principal": {"AWS": trusted},
                      "Action": "sts:AssumeRole",
                      "Condition": {"StringEquals": {"sts:ExternalId": f"ext-{account}-{index}"}}})


def _inline(rng: random.Random, account: str, index: int, buckets: int, keys: list[str], roles: int) -> str:
    """An inline policy: reading a few of the account's buckets and keys; some roles pass or assume others."""
    chosen = sorted({rng.randrange(buckets) for _ in range(3)})
    statements: list[dict[str, Any]] = [
        {"Sid": "ReadData", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": [arn for b in chosen for arn in (f"arn:aws:s3:::{bucket_name(account, b)}",
                                                      f"arn:aws:s3:::{bucket_name(account, b)}/*")]},
    ]
    if keys:
        statements.append({"Sid": "Decrypt", "Effect": "Allow", "Action": "kms:Decrypt",
                           "Resource": rng.choice(keys)})
    if index % 10 == 3:
        statements.append({"Sid": "Chain", "Effect": "Allow", "Action": "sts:AssumeRole",
                           "Resource": f"arn:aws:iam::{account}:role/role-{rng.randrange(roles):03d}"})
    if index % 10 == 7:
        statements.append({"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole",
                           "Resource": f"arn:aws:iam::{account}:role/role-*",
                           "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}})
    if index % 25 == 0:
        statements.append({"Sid": "DenyOutsideOrg", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                           "Condition": {"StringNotEquals": {"aws:ResourceOrgID": "o-standin"}}})
    return _document(*statements)


def fill_account(admin: MotoBackend, account: str, accounts: list[str], roles: int, buckets: int) -> None:
    """One account through the admin path: its audit role, KMS keys, roles and buckets."""
    rng = random.Random(account)
    standin.add_audit_role(admin, account)
    kms = admin.client("kms", account, REGION)
    keys = []
    for index in range(max(1, buckets // 10)):
        key = kms.create_key(Description=f"data key {index}")["KeyMetadata"]["Arn"]
        kms.create_alias(AliasName=f"alias/data-{index}", TargetKeyId=key)
        keys.append(key)
    iam = admin.client("iam", account, REGION)
    for index in range(roles):
        name = f"role-{index:03d}"
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(rng, account, accounts, index))
        iam.put_role_policy(RoleName=name, PolicyName="data",
                            PolicyDocument=_inline(rng, account, index, buckets, keys, roles))
    s3 = admin.client("s3", account, REGION)
    for index in range(buckets):
        name = bucket_name(account, index)
        s3.create_bucket(Bucket=name)
        # S3's default for a new bucket, which moto does not apply: ACLs disabled.
        s3.put_bucket_ownership_controls(
            Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
        if index % 2 == 0:
            s3.put_bucket_policy(Bucket=name, Policy=_document(
                {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {"Sid": "ReaderRole", "Effect": "Allow",
                 "Principal": {"AWS": f"arn:aws:iam::{account}:role/role-{rng.randrange(roles):03d}"},
                 "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}))
        if index % 4 == 1:
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                        "KMSMasterKeyID": keys[index % len(keys)]}}]})


def write_config(folder: Path, accounts: list[str]) -> Path:
    """A small enjoin.yaml naming the accounts: a party of the last account, holdings in the first's buckets."""
    first = accounts[0]
    names = "\n".join(f'  a{i:03d}: "{a}"' for i, a in enumerate(accounts))
    live = "\n".join(f'    a{i:03d}: {{role_arn: "arn:aws:iam::{a}:role/{standin.AUDIT_ROLE}"}}'
                     for i, a in enumerate(accounts))
    holdings = "\n".join(
        f'  - resource: "arn:aws:s3:::{bucket_name(first, b)}/*"\n'
        "    program: medicaid\n    states: all\n    populations: all\n"
        "    fields: [name, ssn, address, date_of_birth, medicaid_id, medical]"
        for b in (0, 1, 2))
    path = folder / "enjoin.yaml"
    path.write_text(
        "case: ca-v-hhs\nas_of: 2026-02-01\nregion: us-east-1\n"
        f"accounts:\n{names}\n"
        f"parties:\n  DHS:\n    accounts: [a{len(accounts) - 1:03d}]\n"
        f"holdings:\n{holdings}\n"
        f"live:\n  accounts:\n{live}\n  region: us-east-1\n",
        encoding="utf-8",
    )
    return path


def _timed(what: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = what()
    return result, time.perf_counter() - started


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--roles", type=int, default=100, help="roles per account")
    parser.add_argument("--buckets", type=int, default=40, help="buckets per account")
    args = parser.parse_args(argv)
    if args.accounts < 2 or args.roles < 1 or args.buckets < 3:
        parser.error("at least 2 accounts (the last is the party's), 1 role and 3 buckets (the holdings')")
    accounts = [account_id(i) for i in range(args.accounts)]
    with tempfile.TemporaryDirectory() as temporary, standin.running_server(Path(temporary)) as server:
        folder = Path(temporary)
        admin = MotoBackend(endpoint_url=server.url)
        admin.start()
        mark = server.log.mark()
        with ThreadPoolExecutor(FILL_WORKERS) as pool:
            _, fill = _timed(lambda: list(pool.map(
                lambda a: fill_account(admin, a, accounts, args.roles, args.buckets), accounts)))
        filled = len(server.log.since(mark))
        print(f"bench_live: {args.accounts} accounts x {args.roles} roles x {args.buckets} buckets "
              f"(filled through the server's API: {filled:,} requests in {fill:.1f} s, not counted below)")
        config = load(write_config(folder, accounts))
        before = _rss_mb()
        with standin.live_environment(server.url, folder):
            mark = server.log.mark()
            backend = get_backend("live", live=config.live)

            def read() -> Any:
                backend.start()  # assumes each audit role and checks it (GetCallerIdentity): part of the reading
                try:
                    return read_only_snapshot(config, backend)
                finally:
                    backend.stop()

            snapshot, inventory_s = _timed(read)
            seen = server.log.since(mark)
        case = load_case(config.case, where=f"{config.path}: case")
        check_holdings(config, snapshot)
        check_parties(config, snapshot)
        reach, reach_s = _timed(lambda: compute_reach(snapshot, config.parties, config.holdings, config.region))
        judgment, judgment_s = _timed(lambda: judge(case, config.holdings, reach, config.decisions, config.as_of))
        peak = _rss_mb()
    calls = Counter(s.service for s in seen)
    operations = Counter(f"{s.service}:{s.operation}" for s in seen)
    print(f"inventory: {args.accounts} accounts in {inventory_s:.1f} s: "
          f"{args.accounts / inventory_s * 60:.1f} accounts per minute (eight accounts at a time)")
    print(f"API calls: {len(seen):,} ({len(seen) / args.accounts:.0f} per account): "
          + ", ".join(f"{service} {count:,}" for service, count in calls.most_common()))
    print("  most made: " + ", ".join(f"{op} {count:,}" for op, count in operations.most_common(6)))
    print(f"read: {len(snapshot.roles):,} roles, {len(snapshot.buckets):,} buckets, {len(snapshot.keys):,} keys; "
          f"snapshot {len(snapshot.to_json()) / 1e6:.1f} MB of JSON")
    print(f"peak memory: {peak:.0f} MB maximum resident set ({before:.0f} MB before the inventory: "
          "the stand-in server and its state live in this process)")
    print(f"time: inventory {inventory_s:.1f} s, reach {reach_s:.1f} s, judgment {judgment_s:.2f} s")
    print(f"verdict: {judgment.verdict.value} ("
          + ", ".join(f"{c.id} {c.verdict.value}" for c in judgment.clauses) + ")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
