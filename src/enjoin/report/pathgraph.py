"""A finding's path as a graph: Graphviz DOT from the report's hops, drawn by ``dot`` into SVG.

Reads a finding as the JSON contract gives it (:func:`enjoin.report.to_report`), so that every rendering that
wants the picture draws the same one: the party's principal, the roles it assumes, and the store it reads, each
edge labelled with the action, the statements that allow it (with their file and line when the report has them)
and the request context under which they do.

``dot`` is Graphviz's program (Debian: ``graphviz``). It is run once per graph with a timeout; when it is missing
or fails, :func:`draw` says why instead of raising, and the caller shows the path another way.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DOT_TIMEOUT = 30.0  # seconds for one graph; a path has a handful of nodes, so this is only a guard
_WRAP = 64  # characters per line in an edge label
_MAX_STATEMENTS = 6  # statements shown on one edge; the hop table beside the graph lists them all


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement that allows a step, as a person reads it, and where it is written when that is known."""

    text: str
    file: str | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        """``file:line``, ``file`` or empty."""
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True, slots=True)
class Step:
    """One edge: ``source`` does ``action`` on ``target``, allowed by ``statements`` under ``context``."""

    source: str
    action: str
    target: str
    statements: tuple[Statement, ...]
    context: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Drawing:
    """The SVG of a graph, or why there is none (``svg`` empty, ``problem`` set)."""

    svg: str
    problem: str


def statement_text(s: Mapping[str, Any]) -> str:
    """A statement of the contract's ``statements`` list as the hops name it (``StatementRef.__str__``)."""
    name = f"Sid {s.get('sid')!r}" if s.get("sid") else f"statement #{s.get('index')}"
    return f"{name} of {s.get('policy')} ({s.get('effect')})"


def _statement(raw: Any, known: Mapping[str, Mapping[str, Any]]) -> Statement:
    """A hop's statement: a string today; a mapping with file and line, tolerated when the report gives one."""
    if isinstance(raw, Mapping):
        text = str(raw.get("text") or statement_text(raw))
        detail: Mapping[str, Any] = raw
    else:
        text = str(raw)
        detail = known.get(text, {})
    file = detail.get("file")
    line = detail.get("line")
    return Statement(text, str(file) if file else None, line if isinstance(line, int) and line > 0 else None)


def _context_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _hop_statements(hop: Mapping[str, Any]) -> list[Any]:
    """A hop's statements: ``statement_refs`` (with file and line) when the report has them, else ``statements``."""
    refs = hop.get("statement_refs")
    if isinstance(refs, list) and refs and all(isinstance(r, Mapping) for r in refs):
        return refs
    return list(hop.get("statements") or ())


def steps(finding: Mapping[str, Any]) -> list[Step]:
    """The edges of a finding's path: its hops, or, for a finding without hops, its ``path`` list.

    ``path`` alternates principals and actions and ends with the action of the read, whose target is the
    finding's ``resource``.
    """
    known = {statement_text(s): s for s in finding.get("statements") or () if isinstance(s, Mapping)}
    hops = [h for h in finding.get("hops") or () if isinstance(h, Mapping)]
    if hops:
        return [
            Step(
                str(h.get("principal", "")),
                str(h.get("action", "")),
                str(h.get("resource", "")),
                tuple(_statement(s, known) for s in _hop_statements(h)),
                tuple((str(k), _context_value(v)) for k, v in sorted((h.get("context") or {}).items())),
            )
            for h in hops
        ]
    path = [str(p) for p in finding.get("path") or ()]
    out: list[Step] = []
    for i in range(0, len(path) - 1, 2):
        target = path[i + 2] if i + 2 < len(path) else str(finding.get("resource", ""))
        out.append(Step(path[i], path[i + 1], target, (), ()))
    return out


def _label_text(text: str) -> str:
    """Text for a Graphviz HTML-like label: entities for markup characters, no control characters."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def _lines(text: str, *, font: str = "", size: int = 0) -> str:
    """``text`` wrapped into left-aligned lines of an HTML-like label."""
    parts = textwrap.wrap(text, _WRAP, break_long_words=True, break_on_hyphens=False) or [""]
    body = "".join(f"{_label_text(p)}<BR ALIGN=\"LEFT\"/>" for p in parts)
    if font or size:
        attrs = (f' FACE="{font}"' if font else "") + (f' POINT-SIZE="{size}"' if size else "")
        return f"<FONT{attrs}>{body}</FONT>"
    return body


def _attr(text: str) -> str:
    """A quoted DOT attribute value."""
    return '"' + re.sub(r"[\x00-\x1f\x7f]", " ", text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _short(arn: str) -> str:
    """The last part of an ARN: a role's name, an object's key, a key's id."""
    return re.split(r"[/:]", arn.rstrip("/"))[-1] or arn


def dot_source(finding: Mapping[str, Any], name: str) -> str:
    """The DOT of a finding's path. ``name`` prefixes every SVG id, so that graphs on one page do not clash."""
    edges = steps(finding)
    party = str(finding.get("party", ""))
    read = str(finding.get("resource", ""))
    first = edges[0].source if edges else str(finding.get("principal", ""))
    order: list[str] = [first]
    for e in edges:
        for node in (e.source, e.target):
            if node not in order:
                order.append(node)
    ids = {node: f"{name}n{i}" for i, node in enumerate(order)}
    lines = [
        f"digraph {name} {{",
        f'  graph [id={_attr(name)}, rankdir=TB, nodesep=0.4, ranksep=0.5, fontname="Helvetica", bgcolor="white"];',
        '  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled", fillcolor="#eef2f7",'
        ' color="#4a5a70", margin="0.15,0.08"];',
        '  edge [fontname="Helvetica", fontsize=10, color="#4a5a70", fontcolor="#1d2733"];',
    ]
    for node in order:
        if node == first:
            head = f"<B>{_label_text(party or 'party')}</B> principal<BR/>"
            style = 'fillcolor="#fde2e1", color="#a3302a"'
        elif ":iam::" in node or ":sts::" in node:
            head = "assumed role<BR/>" if ":role/" in node else ""
            style = ""
        else:
            head = "the read<BR/>" if node == read else ""
            style = 'shape=cylinder, style="filled", fillcolor="#fff4d6", color="#8a6d1f"'
        label = f"<{head}<B>{_label_text(_short(node))}</B><BR/><FONT POINT-SIZE=\"8\">{_label_text(node)}</FONT>>"
        lines.append(f"  {ids[node]} [id={_attr(ids[node])}, label={label}, tooltip={_attr(node)}"
                     + (f", {style}" if style else "") + "];")
    for i, e in enumerate(edges):
        label = f"<B>{_label_text(e.action)}</B><BR ALIGN=\"LEFT\"/>"
        for s in e.statements[:_MAX_STATEMENTS]:
            label += _lines("allowed by " + s.text, size=9)
            if s.where:
                label += _lines("  at " + s.where, font="Courier", size=9)
        if len(e.statements) > _MAX_STATEMENTS:
            label += _lines(f"and {len(e.statements) - _MAX_STATEMENTS} more (see the table)", size=9)
        for key, value in e.context:
            label += _lines(f"when {key} = {value}", font="Courier", size=9)
        lines.append(f"  {ids[e.source]} -> {ids[e.target]} [id={_attr(f'{name}e{i}')}, label=<{label}>,"
                     f" tooltip={_attr(e.action)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_program() -> str | None:
    """Where Graphviz's ``dot`` is, or None."""
    return shutil.which("dot")


def draw(source: str, *, dot: str | None = None, timeout: float = DOT_TIMEOUT) -> Drawing:
    """``dot -Tsvg`` of ``source``, without the XML prolog and doctype, ready to embed in HTML."""
    program = dot or dot_program()
    if program is None:
        return Drawing("", "Graphviz's dot was not found on PATH (Debian: apt-get install graphviz)")
    try:
        run = subprocess.run([program, "-Tsvg"], input=source.encode("utf-8"), capture_output=True,
                             timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return Drawing("", f"Graphviz's dot did not finish within {timeout:g} s")
    except OSError as err:
        return Drawing("", f"Graphviz's dot could not be run: {err}")
    svg = run.stdout.decode("utf-8", "replace")
    start = svg.find("<svg")
    if run.returncode != 0 or start < 0:
        why = run.stderr.decode("utf-8", "replace").strip().splitlines()
        return Drawing("", f"Graphviz's dot failed (exit {run.returncode}): {why[-1] if why else 'no output'}")
    return Drawing(svg[start:].strip(), "")


def draw_finding(finding: Mapping[str, Any], name: str, *, dot: str | None = None) -> Drawing:
    """The SVG of a finding's path (see :func:`dot_source`)."""
    return draw(dot_source(finding, name), dot=dot)


__all__ = ["Drawing", "Statement", "Step", "dot_source", "draw", "draw_finding", "statement_text", "steps"]
