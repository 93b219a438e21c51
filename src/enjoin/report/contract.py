"""Report: a Judgment as the JSON verdict contract (and the plain-text summary the CLI prints).

The JSON shape is a contract users and other tools rely on (README, "Reading a verdict"):
``{"case", "order", "as_of", "verdict", "clauses": [{"id", "verdict", "findings": [...]}]}``; the
extra keys here (title, reason, citations, statements, hops, paths_found, provenance) only add to it.

``provenance`` (:mod:`enjoin.report.provenance`) says what the report was made from; the CLI and the pytest
plugin always give it, a library caller that has none gets ``null``. Every other rendering (HTML, SARIF, OSCAL)
reads this dict, so what they show of a run is what the contract says.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from enjoin.engine import StatementRef
from enjoin.judgment import ClauseVerdict, Finding, Judgment
from enjoin.reach_compute import not_modelled
from enjoin.report.findings import finding_lines
from enjoin.snapshot import Construct, PolicySource

# A policy's label -> where it is written. A statement without a source (an SCP of enjoin.yaml, a live run's
# policies) gets "file" and "line" null: a report never guesses a line.
_Sources = dict[str, PolicySource]


def _statement(s: StatementRef, sources: _Sources) -> dict[str, Any]:
    """A statement as the contract gives it: its policy, Sid, index and effect, and its file and line."""
    source = sources.get(s.policy)
    line = source.statements[s.index] if source is not None and 0 <= s.index < len(source.statements) else 0
    return {
        "policy": s.policy,
        "sid": s.sid,
        "index": s.index,
        "effect": s.effect,
        "file": source.file if source is not None else None,
        "line": line or None,
        # What writes it in that file: a CloudFormation logical id or a Terraform address, and for a plan the
        # configuration expression that gives the document.
        "address": source.resource if source is not None else None,
        "expression": (source.expression or None) if source is not None else None,
    }


def _finding(f: Finding, sources: _Sources) -> dict[str, Any]:
    return {
        "party": f.party,
        "principal": f.principal,
        "action": f.action,
        "resource": f.resource,
        "path": list(f.path),
        "message": f.message,
        "verdict": f.verdict.value,
        "holding": f.holding,
        "statements": [_statement(s, sources) for s in f.statements],
        "hops": [
            {
                "principal": h.principal,
                "action": h.action,
                "resource": h.resource,
                "statements": [str(s) for s in h.statements],
                # The same statements with their file and line (the strings above stay for readers of old reports).
                "statement_refs": [_statement(s, sources) for s in h.statements],
                "context": {k: (list(v) if isinstance(v, tuple) else v) for k, v in sorted(h.context.items())},
            }
            for h in f.hops
        ],
        "paths_found": f.paths_found,
        **({"construct": _construct(f.construct)} if f.construct is not None else {}),
    }


def _clause(judgment: Judgment, c: ClauseVerdict) -> dict[str, Any]:
    clause = judgment.case.clause(c.id)
    return {
        "id": c.id,
        "verdict": c.verdict.value,
        "title": c.title,
        "order": c.order,
        "reason": c.reason,
        "citations": [
            {
                "docket": x.docket,
                "pinpoint": x.pinpoint,
                "quote": x.quote,
                "verified": x.verified,
                "source": x.source,
            }
            for x in clause.citations
        ],
        "findings": [_finding(f, {src.policy: src for src in judgment.sources}) for f in c.findings],
    }


def to_report(judgment: Judgment, provenance: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON verdict report, clauses sorted by id, with the run's provenance (``Provenance.to_dict()``)."""
    return {
        "case": judgment.case.name,
        "order": judgment.order.id if judgment.order else None,
        "as_of": judgment.as_of.isoformat(),
        "verdict": judgment.verdict.value,
        "clauses": [_clause(judgment, c) for c in sorted(judgment.clauses, key=lambda c: c.id)],
        # Where the SCPs and RCPs judged came from: "organizations" (AWS Organizations, on a live run with an
        # organization role), "enjoin.yaml" (its organization: section), null (a snapshot that did not record it).
        "organization": {"source": judgment.organization_source or None},
        "constructs": {
            "inert": [_construct(c) for c in judgment.constructs if c.klass == "inert"],
            "unmodeled": [_construct(c) for c in judgment.constructs if c.klass == "unmodeled"],
        },
        # Reads the backend refused: each makes INDETERMINATE the holdings it bears on.
        "gaps": [_construct(c) for c in judgment.constructs if c.klass == "gap"],
        # The ways to run code as a role that reach does not follow yet (src/enjoin/reach_compute.yaml): a reader
        # learns what a COMPLIANT did not consider.
        "paths_not_followed": [
            {"way": w.id, "service": w.service, "how": w.how, "why_not": w.why_not,
             **({"through": w.takes_over} if w.takes_over else {})}
            for w in not_modelled()
        ],
        "provenance": dict(provenance) if provenance is not None else None,
    }


def _construct(c: Construct) -> dict[str, Any]:
    """A construct the templates declare and enjoin did not deploy: where, what, and why."""
    out: dict[str, Any] = {
        "where": c.where,
        "file": c.file,
        "line": c.line or None,
        "resource": c.resource,
        "type": c.type,
        "property": c.prop,
        "reason": c.reason,
    }
    if c.klass in {"unmodeled", "gap"}:
        out["affects"] = list(c.affects)
        out["unbounded"] = c.unbounded or None
    return out


def write_report(judgment: Judgment, path: Path, provenance: Mapping[str, Any] | None = None) -> None:
    path.write_text(json.dumps(to_report(judgment, provenance), indent=2) + "\n", encoding="utf-8")


def summary(judgment: Judgment) -> str:
    """A few lines for a terminal: the order, each clause's verdict, and each finding's path, a line per hop."""
    order = judgment.order.id if judgment.order else "none"
    lines = [
        f"enjoin: case {judgment.case.name}, order in force on {judgment.as_of.isoformat()}: {order}; "
        f"verdict {judgment.verdict.value}"
    ]
    for c in sorted(judgment.clauses, key=lambda c: c.id):
        lines.append(f"  {c.id:<22} {c.verdict.value:<15} {c.reason}")
        for f in c.findings:
            lines.extend(finding_lines(f))
    inert = [c for c in judgment.constructs if c.klass == "inert"]
    if inert:
        lines.append(f"  treated as inert (cannot change who reads a holding): {len(inert)}")
        for construct in inert:
            what = f"{construct.type}{'.' + construct.prop if construct.prop else ''}"
            lines.append(f"    - {construct.where} ({what}): {construct.reason}")
    return "\n".join(lines)
