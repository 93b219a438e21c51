"""Organisation policies are named as a reader finds them: the file enjoin.yaml attaches, or the name and id AWS
Organizations gives (tests/backends/test_organization_read.py), never only a number and a level."""

from __future__ import annotations

import json
from pathlib import Path

from enjoin.config import load
from enjoin.deploy.organization import organization_from_config
from enjoin.reach_graph import build_graph
from enjoin.snapshot import Organization, Snapshot

ROOT = Path(__file__).resolve().parent.parent
CMS = "111111111111"


def test_the_reference_scps_are_named_by_their_files_and_the_root_by_what_aws_attaches() -> None:
    organization = organization_from_config(load(ROOT / "enjoin.yaml"))
    assert organization.scp_names[CMS] == (
        ("FullAWSAccess (AWS's default at the root)",),
        ("infra/reference/scp/full-aws-access.json", "infra/reference/scp/cms-data-guardrails.json"),
    )
    assert [len(level) for level in organization.scps[CMS]] == [1, 2]


def test_reach_labels_each_policy_by_its_name_and_numbers_it_only_when_none_was_kept() -> None:
    organization = organization_from_config(load(ROOT / "enjoin.yaml"))
    graph = build_graph(Snapshot(accounts=(CMS,), organization=organization), (), "us-east-1")
    labels = [policy.label for level in graph.scps[CMS] for policy in level]
    assert labels == [
        f"SCP FullAWSAccess (AWS's default at the root) (level 0 of account {CMS})",
        f"SCP infra/reference/scp/full-aws-access.json (level 1 of account {CMS})",
        f"SCP infra/reference/scp/cms-data-guardrails.json (level 1 of account {CMS})",
    ]
    # A snapshot saved before names were kept still loads, and its policies are numbered.
    saved = json.loads(Snapshot(accounts=(CMS,), organization=Organization(scps=organization.scps)).to_json())
    del saved["organization"]["scp_names"], saved["organization"]["rcp_names"]
    again = Snapshot.from_json(json.dumps(saved))
    graph = build_graph(again, (), "us-east-1")
    assert graph.scps[CMS][1][1].label == f"SCP #1 at level 1 for account {CMS}"


def test_names_survive_the_evidence_file() -> None:
    organization = organization_from_config(load(ROOT / "enjoin.yaml"))
    snapshot = Snapshot(accounts=(CMS,), organization=organization)
    assert Snapshot.from_json(snapshot.to_json()).organization == organization
