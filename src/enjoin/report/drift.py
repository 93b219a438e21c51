"""The drift report: a :class:`~enjoin.drift.Drift` as the JSON contract, and the lines a terminal shows.

The JSON shape is a contract (README, "Drift"), written down as a JSON Schema shipped with enjoin,
``drift_report.schema.json`` (:func:`schema`); tests validate every report they make against it. Keys are only ever
added to it, within a version; a change of meaning is a new ``version``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from enjoin.drift import ClauseDrift, Drift, FieldChange, ResourceDrift, StatementChange, Status
from enjoin.judgment import Finding, Judgment

FORMAT = "enjoin-drift"
VERSION = 1


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the drift report."""
    text = resources.files("enjoin.report").joinpath("drift_report.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "verdict": f.verdict.value,
        "party": f.party,
        "principal": f.principal,
        "action": f.action,
        "resource": f.resource,
        "holding": f.holding,
        "path": list(f.path),
        "message": f.message,
    }


def _clause(c: ClauseDrift) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "code": c.code.value,
        "live": c.live.value,
        "comparison": c.comparison.value,
        "live_only_findings": [_finding(f) for f in c.live_only],
        "code_only_findings": [_finding(f) for f in c.code_only],
    }


def _statement(s: StatementChange) -> dict[str, Any]:
    return {"change": s.change.value, "sid": s.sid, "code_index": s.code_index, "live_index": s.live_index,
            "code": s.code, "live": s.live}


def _change(c: FieldChange) -> dict[str, Any]:
    return {"field": c.field, "code": c.code, "live": c.live, "added": list(c.added), "removed": list(c.removed),
            "statements": [_statement(s) for s in c.statements]}


def _resource(r: ResourceDrift) -> dict[str, Any]:
    return {"kind": r.kind, "id": r.id, "account": r.account, "status": r.status.value,
            "matched_by": r.matched_by, "code_ref": r.code_ref, "live_ref": r.live_ref,
            "changes": [_change(c) for c in r.changes]}


def to_drift_report(drift: Drift, code: Judgment, code_source: str, live_source: str) -> dict[str, Any]:
    """The JSON drift report. ``code_source`` and ``live_source`` say where each side was read (one line each)."""
    counts = {s.value: sum(1 for r in drift.resources if r.status is s) for s in Status}
    return {
        "format": FORMAT,
        "version": VERSION,
        "case": code.case.name,
        "order": code.order.id if code.order else None,
        "as_of": code.as_of.isoformat(),
        "code": {"verdict": drift.code_verdict.value, "source": code_source},
        "live": {"verdict": drift.live_verdict.value, "source": live_source},
        "worse": drift.worse,
        "drifted": drift.drifted,
        "clauses": [_clause(c) for c in drift.clauses],
        "resources": [_resource(r) for r in drift.resources],
        "counts": counts,
    }


def _describe_change(c: FieldChange) -> str:
    if c.statements:
        parts = [f"{s.change.value} statement {s.sid or f'#{s.code_index if s.live_index is None else s.live_index}'}"
                 for s in c.statements]
        return f"{c.field}: {', '.join(parts)}"
    if c.added or c.removed:
        return f"{c.field}: " + ", ".join([*(f"+{json.dumps(a)}" for a in c.added),
                                            *(f"-{json.dumps(r)}" for r in c.removed)])
    return f"{c.field}: {json.dumps(c.code)} -> {json.dumps(c.live)}"


def summary(drift: Drift, code_source: str, live_source: str) -> str:
    """A few lines for a terminal: each clause on both sides, then each item that drifted."""
    lines = [f"enjoin drift: code ({code_source}) {drift.code_verdict.value}, live ({live_source}) "
             f"{drift.live_verdict.value}; {'live is WORSE on some clause' if drift.worse else 'live is not worse'}, "
             f"{len(drift.resources)} item(s) drifted"]
    for c in drift.clauses:
        lines.append(f"  {c.id:<22} code {c.code.value:<15} live {c.live.value:<15} {c.comparison.value}")
        lines += [f"    + live only: {f.message}" for f in c.live_only]
        lines += [f"    - code only: {f.message}" for f in c.code_only]
    for r in drift.resources:
        lines.append(f"  {r.status.value:<16} {r.kind} {r.id}")
        lines += [f"      {_describe_change(c)}" for c in r.changes]
    return "\n".join(lines)
