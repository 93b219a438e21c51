"""Generate a seeded synthetic AWS organisation (see enjoin.synthetic) and save it as Snapshot JSON.

    python scripts/gen_org.py --accounts 50 --roles-per-account 100 --trusts 20000 --buckets 2000 \\
        --holdings 100 --out org.json [--question-out question.json]

Prints what was generated. ``--out`` writes the Snapshot (``Snapshot.load`` reads it back);
``--question-out`` writes the party, the holdings and the region (``enjoin.synthetic.question_from_json``).
The same arguments (seed included) always give the same files.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import fields
from pathlib import Path

from enjoin.errors import EnjoinError
from enjoin.synthetic import OrgSpec, count_trust_relationships, generate, question_to_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for f in fields(OrgSpec):
        kind = type(f.default)
        parser.add_argument(f"--{f.name.replace('_', '-')}", type=kind, default=f.default, help=f"default {f.default}")
    parser.add_argument("--out", type=Path, help="write the Snapshot JSON here")
    parser.add_argument("--question-out", type=Path, help="write the parties, holdings and region here")
    args = parser.parse_args(argv)
    spec = OrgSpec(**{f.name: getattr(args, f.name) for f in fields(OrgSpec)})
    t0 = time.perf_counter()
    try:
        org = generate(spec)
    except EnjoinError as error:
        print(f"gen_org: {error}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - t0
    snap = org.snapshot
    kinds = Counter(r.name.rsplit("-", 1)[0] for r in snap.roles)
    conditioned = sum("Condition" in s for r in snap.roles for p in r.inline_policies for s in p.document["Statement"])
    print(f"generated in {elapsed:.2f} s (seed {spec.seed}):")
    print(
        f"  accounts {len(snap.accounts)} (party: {', '.join(org.parties[0].accounts) or 'none'}"
        f"{'; principals ' + ', '.join(org.parties[0].principals) if org.parties[0].principals else ''})"
    )
    print(f"  roles {len(snap.roles)}: {', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}")
    print(
        f"  users {len(snap.users)}, groups {len(snap.groups)}, managed policies {len(snap.policies)}, "
        f"inline statements with a condition {conditioned}"
    )
    print(f"  trust relationships {count_trust_relationships(snap)}")
    print(
        f"  buckets {len(snap.buckets)} ({sum(b.policy is not None for b in snap.buckets)} with a policy, "
        f"{sum(b.kms_key_id is not None for b in snap.buckets)} with a customer managed key), "
        f"keys {len(snap.keys)}, holdings {len(org.holdings)}"
    )
    if args.out:
        snap.save(args.out)
        print(f"  snapshot written to {args.out} ({args.out.stat().st_size / 2**20:.1f} MiB)")
    if args.question_out:
        args.question_out.write_text(question_to_json(org), encoding="utf-8")
        print(f"  question written to {args.question_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
