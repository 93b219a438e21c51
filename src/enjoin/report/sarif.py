"""The verdict report as SARIF 2.1.0, for code-scanning tools (GitHub code scanning, IDE viewers).

It reads the JSON contract (:func:`enjoin.report.to_report`), nothing else, so that it shows what the contract
says. The mapping:

- one rule per clause of the case (``ruleId`` the clause id), whatever its verdict: its title, the order, and
  its citations (docket, pinpoint, the order's words, whether the quote was checked) in the help text and in
  the rule's properties;
- one result per finding. A VIOLATION is level ``error``. An INDETERMINATE is level ``warning``: SARIF's
  ``warning`` is "a problem may be present", which is what INDETERMINATE says (enjoin could not decide; it
  fails the run all the same, and ``properties.verdict`` keeps the difference). ``note`` would read as advice,
  and kind ``review`` must carry level ``none``, which drops the severity a code-scanning gate reads;
- a result is located at the template line of the policy statement that opens the last step of its path: the
  step that is the finding's own request (the read; a decrypt may follow it), and of its statements whose file
  and line the contract gives, a grant (identity, trust, bucket, key policy) before an SCP's, RCP's or
  boundary's Allow, which lets a step through without granting it. An INDETERMINATE that comes
  from an unmodeled construct is located at the construct. A result whose step has no written statement
  (an undecided step, an SCP from enjoin.yaml, a live run's policies) is located at the file only (the
  statement's template, else the configuration the provenance names), without a region: never a guessed line;
- the path as a code flow: one thread-flow location per hop (who acts, the action, the resource, the
  statements that allow it and the context under which they do), located where the hop's statement is written.

File names become relative URIs as the report gives them (GitHub resolves them against the repository root),
and absolute names ``file://`` URIs (the upload action's ``checkout_path`` makes those relative).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from enjoin import __version__

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
VERSION = "2.1.0"
_LEVEL = {"VIOLATION": "error", "INDETERMINATE": "warning"}
# Labels of the policies that bound a step rather than grant it (reach's labels: src/enjoin/reach_graph.py).
_GUARDRAILS = ("SCP ", "RCP ", "permissions boundary ")


def render(report: Mapping[str, Any]) -> dict[str, Any]:
    """The SARIF log of one verdict report (a dict ready for ``json.dumps``)."""
    clauses: Sequence[Mapping[str, Any]] = report.get("clauses") or ()
    provenance: Mapping[str, Any] = report.get("provenance") or {}
    fallback = _artifact(provenance.get("configuration"))
    rules = [_rule(c) for c in clauses]
    results = [
        _result(clause, index, finding, fallback)
        for index, clause in enumerate(clauses)
        for finding in clause.get("findings") or ()
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "enjoin",
                "version": (provenance.get("versions") or {}).get("enjoin") or __version__,
                "rules": rules,
            }
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {
            "case": report.get("case"),
            "order": report.get("order"),
            "as_of": report.get("as_of"),
            "verdict": report.get("verdict"),
        },
    }
    invocation = _invocation(report, provenance)
    if invocation is not None:
        run["invocations"] = [invocation]
    return {"$schema": SCHEMA, "version": VERSION, "runs": [run]}


def _rule(clause: Mapping[str, Any]) -> dict[str, Any]:
    citations: Sequence[Mapping[str, Any]] = clause.get("citations") or ()
    title = clause.get("title") or clause["id"]
    cited = [_citation(c) for c in citations]
    text = f"{title} ({clause.get('order')}).\n" + "\n".join(f"- {c}" for c in cited)
    markdown = f"**{title}** ({clause.get('order')})\n\n" + "\n".join(f"- {c}" for c in cited)
    rule: dict[str, Any] = {
        "id": clause["id"],
        "shortDescription": {"text": title},
        "help": {"text": text.rstrip(), "markdown": markdown.rstrip()},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "order": clause.get("order"),
            "citations": [dict(c) for c in citations],
            "tags": ["court-order", str(clause.get("order"))],
        },
    }
    if citations and citations[0].get("quote"):
        rule["fullDescription"] = {"text": f"{title}: \u201c{citations[0]['quote']}\u201d"}
    return rule


def _citation(c: Mapping[str, Any]) -> str:
    checked = "quote checked against the order" if c.get("verified") else "quote not yet checked against the order"
    return f"{c.get('docket')} at {c.get('pinpoint')}: \u201c{c.get('quote')}\u201d ({checked})"


def _result(
    clause: Mapping[str, Any], index: int, finding: Mapping[str, Any], fallback: dict[str, Any] | None
) -> dict[str, Any]:
    verdict = str(finding.get("verdict"))
    hops: Sequence[Mapping[str, Any]] = finding.get("hops") or ()
    result: dict[str, Any] = {
        "ruleId": clause["id"],
        "ruleIndex": index,
        "kind": "fail",
        "level": _LEVEL.get(verdict, "warning"),
        "message": {"text": finding.get("message") or f"{clause['id']}: {verdict}"},
        "partialFingerprints": {"enjoinFinding/v1": _fingerprint(clause["id"], finding)},
        "properties": {
            "verdict": verdict,
            "party": finding.get("party"),
            "principal": finding.get("principal"),
            "action": finding.get("action"),
            "resource": finding.get("resource"),
            "holding": finding.get("holding"),
            "path": list(finding.get("path") or ()),
            "paths_found": finding.get("paths_found"),
        },
    }
    location = _where(finding, hops, fallback)
    if location is not None:
        result["locations"] = [location]
    if hops:
        result["codeFlows"] = [{"threadFlows": [{"locations": [_step(i, hop) for i, hop in enumerate(hops)]}]}]
    return result


def _where(
    finding: Mapping[str, Any], hops: Sequence[Mapping[str, Any]], fallback: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The result's location: the last step's statement (its line, else its file), else the construct, else the
    configuration file without a region."""
    ref = _opening(_last_step(finding, hops)) if hops else None
    if ref is not None:
        return _physical(ref["file"], ref.get("line"))
    construct = finding.get("construct") or {}
    if construct.get("file"):
        return _physical(construct["file"], construct.get("line"))
    return None if fallback is None else {"physicalLocation": {"artifactLocation": fallback}}


def _last_step(finding: Mapping[str, Any], hops: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The step the path ends with: the finding's own request (the read), which later hops (a decrypt) follow."""
    own = (finding.get("principal"), finding.get("action"), finding.get("resource"))
    mine = (h for h in reversed(hops) if (h.get("principal"), h.get("action"), h.get("resource")) == own)
    return next(mine, hops[-1])


def _opening(hop: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The written statement that opens a step: a grant (identity, trust, bucket or key policy) before a guardrail.

    An SCP's, RCP's or permissions boundary's Allow lets the step through but does not grant it; a statement with a
    line comes before one known only by its file.
    """
    refs = [r for r in hop.get("statement_refs") or () if r.get("file")]
    refs.sort(key=lambda r: (str(r.get("policy", "")).startswith(_GUARDRAILS), not r.get("line")))
    return refs[0] if refs else None


def _step(index: int, hop: Mapping[str, Any]) -> dict[str, Any]:
    """One hop as a thread-flow location: where its allowing statement is written, and what it does."""
    statements = ", ".join(hop.get("statements") or ()) or "no statement needed"
    context = hop.get("context") or {}
    needs = f"; with context {dict(context)}" if context else ""
    location: dict[str, Any] = {
        "message": {
            "text": f"{hop.get('principal')} {hop.get('action')} {hop.get('resource')} (allowed by {statements}{needs})"
        }
    }
    ref = _opening(hop)
    if ref is not None:
        location.update(_physical(ref["file"], ref.get("line")))
    return {
        "location": location,
        "executionOrder": index + 1,
        "properties": {
            "principal": hop.get("principal"),
            "action": hop.get("action"),
            "resource": hop.get("resource"),
            "statements": list(hop.get("statements") or ()),
            "context": dict(context),
        },
    }


def _physical(file: str, line: Any) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(file)}
    if isinstance(line, int) and not isinstance(line, bool) and line > 0:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _artifact(file: Any) -> dict[str, Any] | None:
    """A file name as a SARIF artifact location: a relative URI as given, or a file:// URI when absolute."""
    if not isinstance(file, str) or not file:
        return None
    if PurePosixPath(file).is_absolute():
        return {"uri": "file://" + quote(file)}
    if PureWindowsPath(file).is_absolute():
        return {"uri": "file:///" + quote(PureWindowsPath(file).as_posix())}
    return {"uri": quote(PureWindowsPath(file).as_posix())}


def _fingerprint(clause: str, finding: Mapping[str, Any]) -> str:
    """What identifies a finding across runs (so code scanning tracks one alert): its clause, who, what, where."""
    key = "\0".join(
        str(x)
        for x in (clause, finding.get("party"), finding.get("principal"), finding.get("action"),
                  finding.get("resource"), finding.get("holding"), finding.get("verdict"))
    )
    return hashlib.sha256(key.encode()).hexdigest()


def _invocation(report: Mapping[str, Any], provenance: Mapping[str, Any]) -> dict[str, Any] | None:
    """The run that made the report, when the report says when it ran (its provenance)."""
    if not provenance:
        return None
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if provenance.get("started_at"):
        invocation["startTimeUtc"] = provenance["started_at"]
    if provenance.get("finished_at"):
        invocation["endTimeUtc"] = provenance["finished_at"]
    invocation["properties"] = {"provenance": dict(provenance), "verdict": report.get("verdict")}
    return invocation
