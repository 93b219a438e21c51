"""The verdict report as one self-contained HTML page, for auditors, counsel and court monitors.

:func:`render` reads the JSON verdict contract (:func:`enjoin.report.to_report`) and nothing else, so the page says
what the JSON says: the run's provenance; per clause the verdict, the reason, the order's words and their citation
(and whether the quote was checked against the order); per finding the path drawn as a graph (Graphviz, inline SVG:
:mod:`enjoin.report.pathgraph`), the table of its steps, and why it is undecided when it is INDETERMINATE; what was
treated as inert, what is not modelled, the reads refused and the ways to act as a role that are not followed.

One file, nothing fetched when it is opened: the CSS is inline, the graphs are inline SVG, the fonts are the
reader's own, and there is no script. A print stylesheet keeps each finding on a page where it fits. Every string
of the report is escaped (Sids, role and bucket names are whatever a template's author wrote). Without Graphviz the
page still renders: each path is an indented list, under a note saying that ``dot`` was not found.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from enjoin.report.pathgraph import Step, draw_finding, steps

VERDICTS = ("VIOLATION", "INDETERMINATE", "COMPLIANT", "NOT_APPLICABLE")
_DEPTH = 4  # how deep a provenance value is laid out as tables before it is shown as text

_CSS = """
:root { --ink: #1d2733; --muted: #5b6776; --line: #d5dbe3; --bg: #ffffff; --panel: #f6f8fa;
  --violation: #a3302a; --violation-bg: #fde2e1; --indeterminate: #8a5a00; --indeterminate-bg: #fff1cc;
  --compliant: #1f6b3a; --compliant-bg: #dcf3e3; --na: #4a5563; --na-bg: #e9ecf0; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 72rem; padding: 1.5rem 2rem 3rem; color: var(--ink); background: var(--bg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; } h2 { font-size: 1.3rem; margin: 2rem 0 .6rem;
  border-bottom: 2px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin: 0; } h4 { font-size: 1rem; margin: 0 0 .4rem; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace;
  font-size: .85em; overflow-wrap: anywhere; }
.muted { color: var(--muted); } .small { font-size: .85rem; }
.verdict { display: inline-block; padding: .05rem .5rem; border-radius: .25rem; font-weight: 700; font-size: .8rem;
  letter-spacing: .03em; border: 1px solid currentColor; white-space: nowrap; }
.v-VIOLATION { color: var(--violation); background: var(--violation-bg); }
.v-INDETERMINATE { color: var(--indeterminate); background: var(--indeterminate-bg); }
.v-COMPLIANT { color: var(--compliant); background: var(--compliant-bg); }
.v-NOT_APPLICABLE, .v-other { color: var(--na); background: var(--na-bg); }
header.run { border-left: 6px solid var(--na); padding: .4rem 0 .4rem 1rem; margin-bottom: 1rem; }
header.run.v-VIOLATION { border-color: var(--violation); background: none; }
header.run.v-INDETERMINATE { border-color: var(--indeterminate); background: none; }
header.run.v-COMPLIANT { border-color: var(--compliant); background: none; }
header.run { color: var(--ink); }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 .8rem; font-size: .88rem; }
th, td { border: 1px solid var(--line); padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
table.kv th { width: 14rem; }
td ul { margin: 0; padding-left: 1.1rem; }
table.hops { table-layout: fixed; }
table.hops th:nth-child(1) { width: 2rem; } table.hops th:nth-child(2), table.hops th:nth-child(4) { width: 17%; }
table.hops th:nth-child(3) { width: 11%; } table.hops th:nth-child(6) { width: 17%; }
nav.toc ul { list-style: none; padding: 0; margin: .3rem 0; columns: 2; }
nav.toc li { margin: .15rem 0; break-inside: avoid; }
nav.toc a { color: inherit; }
section.clause { border: 1px solid var(--line); border-radius: .4rem; padding: .8rem 1rem; margin: 1rem 0; }
.clause-head { display: flex; gap: .7rem; align-items: baseline; flex-wrap: wrap; }
blockquote { margin: .4rem 0; padding: .3rem .8rem; border-left: 4px solid var(--line); background: var(--panel); }
.cite { font-size: .85rem; color: var(--muted); }
.unverified { color: var(--indeterminate); font-weight: 600; } .checked { color: var(--compliant); font-weight: 600; }
article.finding { border-top: 1px dashed var(--line); margin-top: .8rem; padding-top: .6rem; }
figure.path { margin: .5rem 0; padding: .5rem; background: #fff; border: 1px solid var(--line); border-radius: .3rem;
  overflow-x: auto; text-align: center; }
figure.path svg { max-width: 100%; height: auto; }
figcaption { font-size: .8rem; color: var(--muted); text-align: left; }
.note { padding: .4rem .7rem; border: 1px solid var(--indeterminate); background: var(--indeterminate-bg);
  border-radius: .3rem; font-size: .88rem; }
ul.path-list, ul.path-list ul { list-style: none; margin: 0; padding-left: 1.4rem; text-align: left; }
ul.path-list > li { padding-left: 0; }
ul.path-list li::before { content: "\\2192\\00a0"; color: var(--muted); }
.message { font-size: .8rem; color: var(--muted); }
footer { margin-top: 2rem; font-size: .8rem; color: var(--muted); }
@media print {
  @page { margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav.toc { display: none; }
  section.clause { break-inside: auto; border: none; border-top: 2px solid var(--line); border-radius: 0;
    padding: .4rem 0; }
  article.finding, figure.path, table.kv, blockquote { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
  figure.path { overflow: visible; border: none; }
  a { color: inherit; text-decoration: none; }
  a.external::after { content: " <" attr(href) ">"; font-size: .75em; overflow-wrap: anywhere; }
}
"""


def _e(value: Any) -> str:
    """Text of the report, escaped for HTML text and attribute values alike."""
    return html.escape("" if value is None else str(value), quote=True)


def _anchor(*parts: Any) -> str:
    """An id made only of safe characters (a clause id is data, and lands in an attribute)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(str(p) for p in parts)).strip("-") or "x"


def _badge(verdict: Any) -> str:
    v = str(verdict or "")
    klass = v if v in VERDICTS else "other"
    return f'<span class="verdict v-{klass}">{_e(v or "no verdict")}</span>'


def _code(value: Any) -> str:
    return f"<code>{_e(value)}</code>"


def _kv(rows: Iterable[tuple[str, str]], klass: str = "kv") -> str:
    """A two-column table; the values are HTML already (escaped by the caller)."""
    body = "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="{klass}"><tbody>{body}</tbody></table>' if body else ""


def _label(key: Any) -> str:
    """A key of the report as a heading: ``configuration_files`` -> ``configuration files``."""
    return str(key).replace("_", " ")


_CODE_KEYS = re.compile(r"(^|_)(path|file|sha256|digest|configuration|platform|arn)$", re.I)
_CODE_TEXT = re.compile(r"[0-9a-fA-F]{32,}|sha256:[0-9a-fA-F]+|\S*[/\\]\S*|\S+\.(ya?ml|json|tf|tfplan)")


def _value(value: Any, depth: int = 0, key: str = "") -> str:
    """Any JSON value as HTML: scalars as text, mappings as key/value tables, lists of mappings as tables.

    ``key`` is the name the value is under: paths, digests and the like read best in a fixed-width face.
    """
    if isinstance(value, Mapping):
        if not value:
            return '<span class="muted">none</span>'
        if depth >= _DEPTH:
            return _code(value)
        # Single values first, then tables: a reader sees the run at a glance before the lists of files.
        items = sorted(value.items(), key=lambda kv: isinstance(kv[1], list | tuple))
        return _kv(((_label(k), _value(v, depth + 1, str(k))) for k, v in items))
    if isinstance(value, list | tuple):
        if not value:
            return '<span class="muted">none</span>'
        if depth < _DEPTH and all(isinstance(v, Mapping) for v in value):
            columns: list[str] = []
            for row in value:
                columns += [str(k) for k in row if str(k) not in columns]
            head = "".join(f"<th>{_e(_label(c))}</th>" for c in columns)
            body = "".join(
                "<tr>" + "".join(f"<td>{_value(_get(row, c), depth + 1, c)}</td>" for c in columns) + "</tr>"
                for row in value
            )
            return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        return "<ul>" + "".join(f"<li>{_value(v, depth + 1, key)}</li>" for v in value) + "</ul>"
    if value is None:
        return '<span class="muted">none</span>'
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if _CODE_KEYS.search(key) or _CODE_TEXT.fullmatch(text):
        return _code(text)
    return _e(text)


def _get(row: Mapping[Any, Any], column: str) -> Any:
    for k, v in row.items():
        if str(k) == column:
            return v
    return None


def _provenance(report: Mapping[str, Any]) -> str:
    prov = report.get("provenance")
    out = ['<section id="provenance"><h2>Provenance</h2>']
    if not prov:
        out.append('<p class="note">no provenance recorded: this report does not say which configuration, '
                   "inputs, versions or backend produced it.</p>")
    else:
        out.append('<p class="muted small">What produced this report: the configuration, the digest of every '
                   "input, the versions, the backend and when the run took place.</p>")
        out.append(_value(prov))
    out.append("</section>")
    return "".join(out)


def _findings(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [f for c in _clauses(report) for f in c.get("findings") or () if isinstance(f, Mapping)]


def _clauses(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [c for c in report.get("clauses") or () if isinstance(c, Mapping)]


def _constructs(report: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    raw = report.get("constructs")
    items = raw.get(kind) if isinstance(raw, Mapping) else None
    return [c for c in items or () if isinstance(c, Mapping)]


def _summary(report: Mapping[str, Any]) -> str:
    clauses = _clauses(report)
    findings = _findings(report)
    by_verdict = Counter(str(c.get("verdict")) for c in clauses)
    finding_verdicts = Counter(str(f.get("verdict")) for f in findings)
    principals = sorted({s for f in findings for st in steps(f) for s in (st.source,) if s})
    reached = sorted({str(f.get("holding") or f.get("resource")) for f in findings})
    parties = sorted({str(f.get("party")) for f in findings if f.get("party")})
    cited = {s for f in findings for st in steps(f) for s in st.statements}
    organization = report.get("organization")
    source = organization.get("source") if isinstance(organization, Mapping) else None

    def counts(counter: Counter[str]) -> str:
        return ", ".join(f"{_badge(v)} {counter[v]}" for v in [*VERDICTS, *sorted(set(counter) - set(VERDICTS))]
                         if counter[v]) or '<span class="muted">none</span>'

    rows = [
        ("clauses judged", f"{len(clauses)}: {counts(by_verdict)}"),
        ("findings", f"{len(findings)}" + (f": {counts(finding_verdicts)}" if findings else "")),
        ("parties that reach a holding", _e(", ".join(parties)) or '<span class="muted">none</span>'),
        ("holdings reached", _value(reached) if reached else '<span class="muted">none</span>'),
        ("principals on the paths", _value(principals) if principals else '<span class="muted">none</span>'),
        ("policy statements cited", str(len(cited))),
        ("organisation policies (SCPs, RCPs) from", _e(source) if source else '<span class="muted">not recorded'
                                                                              "</span>"),
        ("treated as inert", str(len(_constructs(report, "inert")))),
        ("not modelled", str(len(_constructs(report, "unmodeled")))),
        ("reads refused (gaps)", str(len([g for g in report.get("gaps") or () if isinstance(g, Mapping)]))),
        ("ways to act as a role not followed", str(len(report.get("paths_not_followed") or ()))),
    ]
    inventory = report.get("inventory")
    out = ['<section id="summary"><h2>What the report carries</h2>', _kv(rows)]
    if inventory:
        out += ["<h3>Inventory</h3>", _value(inventory)]
    else:
        out.append('<p class="muted small">The inventory itself (every principal, policy and store read) is in '
                   "the run's snapshot (evidence file), not in this report; the table above counts what the "
                   "report carries of it.</p>")
    out.append("</section>")
    return "".join(out)


def _citation(c: Mapping[str, Any]) -> str:
    verified = c.get("verified") is True
    mark = ('<span class="checked">quote verified against the order</span>' if verified
            else '<span class="unverified">quote not verified against the order</span>')
    where = " ".join(_e(c.get(k)) for k in ("docket", "pinpoint") if c.get(k))
    source = c.get("source")
    link = ""
    if isinstance(source, str) and re.match(r"https?://", source):
        link = f' · <a class="external" href="{_e(source)}">source</a>'
    elif source:
        link = f" · {_code(source)}"
    quote = f"<blockquote>{_e(c.get('quote'))}</blockquote>" if c.get("quote") else ""
    return f'<div class="citation">{quote}<div class="cite">{where} · {mark}{link}</div></div>'


def _statements_cell(step: Step) -> str:
    if not step.statements:
        return '<span class="muted">not recorded</span>'
    items = []
    for s in step.statements:
        where = f"<br>{_code(s.where)}" if s.where else ""
        items.append(f"<li>{_e(s.text)}{where}</li>")
    return f"<ul>{''.join(items)}</ul>"


def _context_cell(step: Step) -> str:
    if not step.context:
        return '<span class="muted">any</span>'
    return "<br>".join(f"{_code(k)} = {_code(v)}" for k, v in step.context)


def _path_list(finding: Mapping[str, Any], edges: list[Step]) -> str:
    """The path as an indented list: each step nested under the one before it."""
    party = finding.get("party")
    first = edges[0].source if edges else finding.get("principal")
    out = f'<ul class="path-list"><li><strong>{_e(party)}</strong> principal {_code(first)}'
    close = "</li></ul>"
    for step in edges:
        allowed = "; ".join(s.text + (f" at {s.where}" if s.where else "") for s in step.statements)
        context = ", ".join(f"{k} = {v}" for k, v in step.context)
        out += (f'<ul><li><strong>{_e(step.action)}</strong> {_code(step.target)}'
                + (f'<br><span class="small">allowed by {_e(allowed)}</span>' if allowed else "")
                + (f'<br><span class="small">when {_e(context)}</span>' if context else ""))
        close = "</li></ul>" + close
    return out + close


def _finding(finding: Mapping[str, Any], name: str) -> str:
    verdict = finding.get("verdict")
    edges = steps(finding)
    rows = [
        ("party", _e(finding.get("party"))),
        ("principal that reads", _code(finding.get("principal"))),
        ("action", _code(finding.get("action"))),
        ("resource", _code(finding.get("resource"))),
        ("holding", _code(finding.get("holding"))),
    ]
    if finding.get("paths_found"):
        rows.append(("paths found", f"{_e(finding.get('paths_found'))} (this is a shortest)"))
    out = [f'<article class="finding" id="{_e(name)}">',
           f"<h4>{_badge(verdict)} {_e(finding.get('party'))} reaches {_code(finding.get('holding'))}</h4>",
           _kv(rows)]
    if edges:
        drawing = draw_finding(finding, _anchor(name).replace("-", "_"))
        out.append('<figure class="path">')
        if drawing.svg:
            out.append(drawing.svg)
        else:
            out.append(f'<p class="note">The path is not drawn: {_e(drawing.problem)}. It is listed instead.</p>')
            out.append(_path_list(finding, edges))
        out.append("<figcaption>The party's principal, the roles it assumes and the read; each edge: the action, "
                   "the statements that allow it and the request context under which they do.</figcaption>")
        out.append("</figure>")
        head = "<tr><th>#</th><th>principal</th><th>action</th><th>on</th><th>allowed by</th><th>context</th></tr>"
        body = "".join(
            f"<tr><td>{i}</td><td>{_code(s.source)}</td><td>{_code(s.action)}</td><td>{_code(s.target)}</td>"
            f"<td>{_statements_cell(s)}</td><td>{_context_cell(s)}</td></tr>"
            for i, s in enumerate(edges, 1)
        )
        out.append(f'<table class="hops"><thead>{head}</thead><tbody>{body}</tbody></table>')
    if verdict == "INDETERMINATE":
        out.append("<h4>Why it is undecided</h4>")
        construct = finding.get("construct")
        if isinstance(construct, Mapping):
            out.append(_construct_table([construct]))
    out.append(f'<p class="message"><strong>As logged:</strong> {_e(finding.get("message"))}</p>')
    out.append("</article>")
    return "".join(out)


def _clause(clause: Mapping[str, Any]) -> str:
    cid = clause.get("id")
    anchor = _anchor("clause", cid)
    findings = [f for f in clause.get("findings") or () if isinstance(f, Mapping)]
    out = [f'<section class="clause" id="{_e(anchor)}">',
           f'<div class="clause-head"><h3>{_e(cid)}</h3>{_badge(clause.get("verdict"))}'
           f'<span class="muted">{_e(clause.get("title"))}</span></div>',
           _kv([("order", _e(clause.get("order"))), ("reason", _e(clause.get("reason")))])]
    citations = [c for c in clause.get("citations") or () if isinstance(c, Mapping)]
    if citations:
        out.append("<h4>The order's words</h4>")
        out += [_citation(c) for c in citations]
    else:
        out.append('<p class="note">This clause carries no citation.</p>')
    if findings:
        out.append(f"<h4>Findings ({len(findings)})</h4>")
        out += [_finding(f, f"{anchor}-f{i}") for i, f in enumerate(findings, 1)]
    out.append("</section>")
    return "".join(out)


def _construct_table(items: list[Mapping[str, Any]]) -> str:
    if not items:
        return '<p class="muted">none</p>'
    head = "<tr><th>where</th><th>file</th><th>type / property</th><th>why</th><th>affects</th></tr>"
    rows = []
    for c in items:
        where = str(c.get("file") or "") + (f":{c.get('line')}" if c.get("file") and c.get("line") else "")
        what = str(c.get("type") or "") + (f".{c.get('property')}" if c.get("property") else "")
        affects = c.get("affects") or []
        unbounded = " (unbounded)" if c.get("unbounded") else ""
        rows.append(f"<tr><td>{_e(c.get('where'))}</td><td>{_code(where) if where else ''}</td>"
                    f"<td>{_code(what) if what else ''}</td><td>{_e(c.get('reason'))}</td>"
                    f"<td>{_value(affects) if affects else ''}{_e(unbounded)}</td></tr>")
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _considered(report: Mapping[str, Any]) -> str:
    out = ['<section id="constructs"><h2>What was set aside</h2>',
           "<h3>Treated as inert</h3>",
           '<p class="muted small">Declared in the templates, and unable to change who reads a holding.</p>',
           _construct_table(_constructs(report, "inert")),
           "<h3>Not modelled</h3>",
           '<p class="muted small">Declared, not modelled: each makes INDETERMINATE the holdings it bears on.</p>',
           _construct_table(_constructs(report, "unmodeled")),
           "<h3>Reads refused (gaps)</h3>",
           _construct_table([g for g in report.get("gaps") or () if isinstance(g, Mapping)])]
    ways = [w for w in report.get("paths_not_followed") or () if isinstance(w, Mapping)]
    out.append("<h3>Ways to act as a role that are not followed yet</h3>")
    out.append(_value(ways) if ways else '<p class="muted">none</p>')
    out.append("</section>")
    return "".join(out)


def render(report: Mapping[str, Any]) -> str:
    """The report (the JSON contract's dict) as one HTML page."""
    clauses = sorted(_clauses(report), key=lambda c: str(c.get("id")))
    verdict = str(report.get("verdict") or "")
    title = f"enjoin: {report.get('case')} — {verdict or 'no verdict'}"
    toc = "".join(
        f'<li><a href="#{_e(_anchor("clause", c.get("id")))}">{_e(c.get("id"))}</a> {_badge(c.get("verdict"))} '
        f'<span class="muted small">{len(c.get("findings") or ())} finding(s)</span></li>'
        for c in clauses
    )
    head_rows = [("case", _e(report.get("case"))), ("order in force", _e(report.get("order") or "none")),
                 ("as of", _e(report.get("as_of")))]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f'<header class="run v-{_e(verdict if verdict in VERDICTS else "other")}">',
        f"<h1>enjoin verdict report {_badge(verdict)}</h1>",
        _kv(head_rows),
        "</header>",
        f'<nav class="toc"><h2>Verdicts by clause</h2><ul>{toc}</ul></nav>' if clauses else "",
        _summary(report),
        _provenance(report),
        '<section id="clauses"><h2>Clauses</h2>',
        *(_clause(c) for c in clauses),
        "" if clauses else '<p class="note">The report judges no clause.</p>',
        "</section>",
        _considered(report),
        "<footer>Rendered by enjoin from its JSON verdict report; the JSON is the contract, this page a reading of "
        "it.</footer>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"
