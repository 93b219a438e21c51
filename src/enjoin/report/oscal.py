"""The verdict report as OSCAL assessment results (NIST's format, which federal assessors and FedRAMP exchange).

It reads the JSON contract (:func:`enjoin.report.to_report`), nothing else, and builds the document from
compliance-trestle's pydantic models of the OSCAL schemas, so that what leaves here has been validated as OSCAL.
The mapping:

- the assessment plan is the case (the court order as data) and the configuration judged: ``import-ap`` points
  at a back-matter resource naming both, since enjoin writes no separate plan;
- one result, the run: its start and end from the report's provenance, the order's clauses as the reviewed
  controls (``control-id`` the clause id);
- one finding per clause, its target the clause (``objective-id``): COMPLIANT is ``satisfied``; VIOLATION is
  ``not-satisfied`` with reason ``fail``; INDETERMINATE is ``not-satisfied`` with reason ``other`` (enjoin could
  not decide, and it fails closed); NOT_APPLICABLE has no status (OSCAL's two states do not hold it) and says
  so in its ``verdict`` property and remarks. The finding links to the clause's citations in back matter;
- observations (method ``TEST``): one per clause for the verdict and its reason, with the configuration and the
  input files as evidence (their SHA-256 from the provenance), and one per enjoin finding: the message as
  description, and as evidence each step of the path (who does what to what, under which context) and each
  statement that allows it, with its template file and line where the contract gives them;
- every enjoin-specific property (verdict, party, principal, line, sha256) is in enjoin's namespace
  (:data:`NAMESPACE`), as OSCAL asks of names it does not define.

UUIDs are version 5 (name-based), not random: the same report always gives the same document, byte for byte,
so an evidence bundle's digest of it can be checked again by rendering the report again. The document's own
UUID is derived from the case and the configuration only (OSCAL asks that it stay the same for the same
subject across revisions); the result's from the whole report (each run is a new result); every other UUID
from the result's and the thing's place in it. Times come from the provenance; a report without one (a
library caller's) is dated when it is rendered, which is then the only time known.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from trestle.oscal import OSCAL_VERSION
from trestle.oscal import common as c
from trestle.oscal.assessment_results import AssessmentResults, ImportAp, Result

from enjoin import __version__

_M = TypeVar("_M", bound=BaseModel)

# The namespace of enjoin's own property names (OSCAL reserves names without one for its own).
NAMESPACE = "urn:enjoin:oscal"
# The root of every UUID enjoin derives (uuid5 of a fixed URL: any stable value would do).
_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, NAMESPACE)
_STATE = {
    "COMPLIANT": (c.ObjectiveStatusStateValidValues.satisfied, c.Reason.pass_),
    "VIOLATION": (c.ObjectiveStatusStateValidValues.not_satisfied, c.Reason.fail),
    "INDETERMINATE": (c.ObjectiveStatusStateValidValues.not_satisfied, c.Reason.other),
}


def render(report: Mapping[str, Any]) -> dict[str, Any]:
    """The OSCAL assessment results of one verdict report (``{"assessment-results": {...}}``, ready for JSON)."""
    document = build(report)
    out: dict[str, Any] = json.loads(document.oscal_serialize_json())
    return out


def build(report: Mapping[str, Any]) -> AssessmentResults:
    """The assessment results as trestle's model (validated by pydantic as it is built)."""
    provenance: Mapping[str, Any] = report.get("provenance") or {}
    started, finished = _times(provenance)
    result_id = uuid.uuid5(_ROOT, json.dumps(report, sort_keys=True, default=str))
    ids = _Ids(result_id)
    clauses: Sequence[Mapping[str, Any]] = report.get("clauses") or ()
    plan = ids.of("plan")
    back = [_plan_resource(plan, report, provenance)]
    observations: list[c.Observation] = []
    findings: list[c.Finding] = []
    for clause in clauses:
        cited = [ids.of("citation", clause["id"], i) for i, _ in enumerate(clause.get("citations") or ())]
        back += [_citation(u, clause, x) for u, x in zip(cited, clause.get("citations") or (), strict=True)]
        own = [_verdict_observation(ids.of("observation", clause["id"]), clause, provenance, finished)]
        own += [
            _finding_observation(ids.of("observation", clause["id"], i), clause, f, finished)
            for i, f in enumerate(clause.get("findings") or ())
        ]
        observations += own
        findings.append(_finding(ids.of("finding", clause["id"]), clause, own, cited))
    result = _new(
        Result,
        uuid=str(result_id),
        title=f"{report.get('case')}: order {report.get('order') or 'none'} as of {report.get('as_of')}",
        description=(
            f"enjoin judged the deployed permissions against the order in force on {report.get('as_of')}: "
            f"{report.get('verdict')}."
        ),
        start=started,
        end=finished,
        props=[_prop("verdict", str(report.get("verdict")))],
        reviewed_controls=_new(
            c.ReviewedControls,
            description="The clauses of the order in force, each a requirement assessed.",
            control_selections=[
                _new(
                    c.ControlSelections,
                    include_controls=[_new(c.SelectControlById, control_id=str(x["id"])) for x in clauses],
                )
            ],
        ),
        observations=observations or None,
        findings=findings or None,
    )
    return _new(
        AssessmentResults,
        uuid=str(uuid.uuid5(_ROOT, f"{report.get('case')}\0{provenance.get('configuration')}")),
        metadata=_new(
            c.Metadata,
            title=f"enjoin: {report.get('case')} judged as of {report.get('as_of')}",
            last_modified=finished,
            version=str((provenance.get("versions") or {}).get("enjoin") or __version__),
            oscal_version=OSCAL_VERSION,
            props=[_prop("case", str(report.get("case")))],
        ),
        import_ap=_new(
            ImportAp,
            href=f"#{plan}",
            remarks="enjoin's plan is the case file (the order as data) and the configuration judged.",
        ),
        results=[result],
        back_matter=_new(c.BackMatter, resources=back),
    )


def _new(model: type[_M], **fields: Any) -> _M:
    """A trestle model from its fields by Python name, validated as it is made.

    trestle's models name their fields by OSCAL's hyphenated aliases, which mypy (without pydantic's plugin) takes
    for the parameter names; through ``**fields`` pydantic alone checks them, and refuses a name it does not know.
    """
    return model(**fields)


class _Ids:
    """Name-based UUIDs under one result: the same thing in the same report always gets the same UUID."""

    def __init__(self, result: uuid.UUID) -> None:
        self.result = result

    def of(self, *parts: object) -> str:
        return str(uuid.uuid5(self.result, "/".join(str(p) for p in parts)))


def _times(provenance: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """The run's start and end from the provenance; both now (UTC) when the report has none."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    started = _time(provenance.get("started_at")) or now
    finished = _time(provenance.get("finished_at")) or started
    return started, finished


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def _prop(name: str, value: str) -> c.Property:
    return _new(c.Property, name=name, value=value, ns=NAMESPACE)


def _plan_resource(plan: str, report: Mapping[str, Any], provenance: Mapping[str, Any]) -> c.Resource:
    case: Mapping[str, Any] = provenance.get("case") or {}
    configuration = provenance.get("configuration")
    links = [_new(c.Rlink, href=str(h)) for h in (case.get("path"), configuration) if h]
    return _new(
        c.Resource,
        uuid=plan,
        title=f"The case {report.get('case')} and the configuration judged",
        description=(
            f"The order in force on {report.get('as_of')} ({report.get('order') or 'none'}) of the case "
            f"{report.get('case')}, its clauses held against the deployment that "
            f"{configuration or 'the configuration'} describes."
        ),
        props=[_prop("sha256", str(case["sha256"]))] if case.get("sha256") else None,
        rlinks=links or None,
    )


def _citation(resource: str, clause: Mapping[str, Any], cited: Mapping[str, Any]) -> c.Resource:
    checked = "checked against the order" if cited.get("verified") else "not yet checked against the order"
    return _new(
        c.Resource,
        uuid=resource,
        title=f"{cited.get('docket')} at {cited.get('pinpoint')} ({clause['id']})",
        citation=_new(
            c.Citation, text=f"{cited.get('docket')} at {cited.get('pinpoint')}: \u201c{cited.get('quote')}\u201d"
        ),
        remarks=f"The quote is {checked}." + (f" Source: {cited['source']}." if cited.get("source") else ""),
    )


def _finding(
    finding_id: str, clause: Mapping[str, Any], observations: Sequence[c.Observation], cited: Sequence[str]
) -> c.Finding:
    verdict = str(clause.get("verdict"))
    state = _STATE.get(verdict)
    return _new(
        c.Finding,
        uuid=finding_id,
        title=f"{clause['id']}: {clause.get('title') or clause['id']}",
        description=str(clause.get("reason") or verdict),
        props=[_prop("verdict", verdict), _prop("order", str(clause.get("order")))],
        links=[_new(c.Link, href=f"#{u}", rel="reference") for u in cited] or None,
        target=_new(
            c.FindingTarget,
            type=c.FindingTargetTypeValidValues.objective_id,
            target_id=str(clause["id"]),
            title=clause.get("title") or None,
            status=None if state is None else _new(c.ObjectiveStatus, state=state[0], reason=state[1]),
            remarks=None if state is not None else f"{verdict}: {clause.get('reason')}",
        ),
        related_observations=[_new(c.RelatedObservation, observation_uuid=o.uuid) for o in observations],
    )


def _verdict_observation(
    observation_id: str, clause: Mapping[str, Any], provenance: Mapping[str, Any], collected: dt.datetime
) -> c.Observation:
    files = [provenance.get("case") or {}, *(provenance.get("configuration_files") or ()),
             *(provenance.get("inputs") or ())]
    evidence = [
        _new(
            c.RelevantEvidence,
            href=str(f["path"]),
            description=f"Input file {f['path']}, as judged.",
            props=[_prop("sha256", str(f["sha256"]))] if f.get("sha256") else None,
        )
        for f in files
        if f.get("path")
    ]
    return _new(
        c.Observation,
        uuid=observation_id,
        title=f"{clause['id']} judged {clause.get('verdict')}",
        description=str(clause.get("reason") or clause.get("verdict")),
        methods=[c.Methods.TEST],
        types=["finding"],
        props=[_prop("verdict", str(clause.get("verdict")))],
        relevant_evidence=evidence or None,
        collected=collected,
    )


def _finding_observation(
    observation_id: str, clause: Mapping[str, Any], finding: Mapping[str, Any], collected: dt.datetime
) -> c.Observation:
    verdict = str(finding.get("verdict"))
    evidence: list[c.RelevantEvidence] = []
    for step, hop in enumerate(finding.get("hops") or (), start=1):
        context = hop.get("context") or {}
        needs = f" with context {json.dumps(context, sort_keys=True)}" if context else ""
        evidence.append(_new(
            c.RelevantEvidence,
            description=f"Step {step}: {hop.get('principal')} may {hop.get('action')} {hop.get('resource')}{needs}.",
        ))
        for ref in hop.get("statement_refs") or _unplaced(hop):
            evidence.append(_statement(step, ref))
    construct = finding.get("construct") or {}
    if construct.get("file"):
        evidence.append(_new(
            c.RelevantEvidence,
            href=str(construct["file"]),
            description=f"Not modeled by enjoin: {construct.get('where')} ({construct.get('reason')}).",
            props=[_prop("line", str(construct["line"]))] if construct.get("line") else None,
        ))
    props = [_prop("verdict", verdict)]
    props += [_prop(k, str(finding[k])) for k in ("party", "principal", "action", "resource") if finding.get(k)]
    return _new(
        c.Observation,
        uuid=observation_id,
        title=f"{clause['id']}: {verdict} for {finding.get('party')} ({finding.get('holding')})",
        description=str(finding.get("message") or verdict),
        methods=[c.Methods.TEST],
        types=["finding"],
        props=props,
        relevant_evidence=evidence or None,
        collected=collected,
        remarks=" -> ".join(str(p) for p in finding.get("path") or ()) or None,
    )


def _unplaced(hop: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A report without statement_refs (an older enjoin's): the statements as text, with no file or line."""
    return [{"text": s} for s in hop.get("statements") or ()]


def _statement(step: int, ref: Mapping[str, Any]) -> c.RelevantEvidence:
    if "text" in ref:
        name = str(ref["text"])
    else:
        sid = f"Sid {ref.get('sid')!r}" if ref.get("sid") else f"statement #{ref.get('index')}"
        name = f"{sid} of {ref.get('policy')} ({ref.get('effect')})"
    where = f", {ref['file']} line {ref['line']}" if ref.get("file") and ref.get("line") else ""
    return _new(
        c.RelevantEvidence,
        href=str(ref["file"]) if ref.get("file") else None,
        description=f"Step {step} is allowed by {name}{where}.",
        props=[_prop("line", str(ref["line"]))] if ref.get("line") else None,
    )
