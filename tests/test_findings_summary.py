"""The terminal draws a finding as a headline and one line per hop; the one-line message stays for logs."""

from __future__ import annotations

from enjoin.engine import StatementRef
from enjoin.judgment import Finding, Verdict
from enjoin.reach import Hop
from enjoin.report.findings import finding_lines

TRUST = StatementRef("trust policy of arn:aws:iam::111111111111:role/Reader", 0, "Trusted", "Allow")
SCP = StatementRef("SCP #0 at level 0 for account 111111111111", 0, "FullAWSAccess", "Allow")
READ = StatementRef("inline policy Read of arn:aws:iam::111111111111:role/Reader", 2, None, "Allow")


def test_a_violation_is_a_headline_then_a_line_per_hop() -> None:
    hops = (Hop("arn:aws:iam::222222222222:role/Ice", "sts:AssumeRole", "arn:aws:iam::111111111111:role/Reader",
                (SCP, TRUST), {"sts:ExternalId": "x"}),
            Hop("arn:aws:iam::111111111111:role/Reader", "s3:GetObject", "arn:aws:s3:::b/k", (SCP, READ), {}))
    finding = Finding("C-1", Verdict.VIOLATION, "DHS", "arn:aws:iam::111111111111:role/Reader", "s3:GetObject",
                      "arn:aws:s3:::b/k", "arn:aws:s3:::b/*", (), "C-1: DHS reaches arn:aws:s3:::b/* from ...: ... "
                      "The holding breaks C-1 because it carries ssn. 2 path(s) found; this is a shortest.",
                      hops=hops, paths_found=2)
    assert finding_lines(finding) == [
        "    - VIOLATION: DHS reaches arn:aws:s3:::b/* (it carries ssn; 2 paths found, this one a shortest)",
        "        222222222222:role/Ice",
        "          -> sts:AssumeRole 111111111111:role/Reader  by Trusted (trust policy of 111111111111:role/Reader)"
        "  when sts:ExternalId=x",
        "          -> s3:GetObject arn:aws:s3:::b/k  by statement #2 (inline policy Read of 111111111111:role/Reader)",
    ]


def test_a_finding_without_a_path_keeps_its_message() -> None:
    finding = Finding("C-1", Verdict.INDETERMINATE, "*", "*", "*", "x", "arn:aws:s3:::b/*", (), "C-1: x is not "
                      "modeled by enjoin")
    assert finding_lines(finding) == ["    - INDETERMINATE: C-1: x is not modeled by enjoin"]
