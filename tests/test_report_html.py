"""The HTML report (enjoin.report.html): one page a reader can trust, in a browser and on paper.

The reports of the reference deployment and of three violating variants are rendered and read back: parsed (every
clause with its verdict, reason and citations; each finding with its path drawn as inline SVG and the table of its
steps; nothing fetched: no script, no stylesheet or image from elsewhere), then opened in headless Chromium
(scripts/report_screenshots.py), whose screenshot must not be blank (many colours, and the verdict's own colour)
and whose log must hold no console message. User-controlled strings (a Sid, a role name) are text, never markup.

Graphviz's dot and Chromium are Debian packages that scripts/report-tools.sh installs; without them the tests that
need them are skipped with the reason, unless ENJOIN_REQUIRE_BROWSER=1 (CI), which makes that a failure.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import stat
import struct
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from enjoin.pipeline import run_pipeline
from enjoin.report import pathgraph, to_report
from enjoin.report.html import render

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ROOT / "infra" / "variants"
MEDICAID_PII = {"DKT148-FIELDS", "DKT148-MEDICAL", "DKT148-POPULATIONS"}
CLAUSES = {"DKT148-FIELDS", "DKT148-MEDICAL", "DKT148-POPULATIONS", "DKT148-PROGRAMS", "DKT98-NO-SHARING"}
# The deployment judged, and the clauses whose verdict is VIOLATION (tests/test_variants.py says why).
DEPLOYMENTS: dict[str, tuple[Path, set[str]]] = {
    "reference": (ROOT / "enjoin.yaml", set()),
    "role-chain-two-hop": (VARIANTS / "role-chain-two-hop" / "enjoin.yaml", MEDICAID_PII),
    "direct-grant": (VARIANTS / "direct-grant" / "enjoin.yaml", MEDICAID_PII),
    "kms-key-policy-opens": (VARIANTS / "kms-key-policy-opens" / "enjoin.yaml", MEDICAID_PII),
}
# The page's verdict colours (the header's left border), exact in a screenshot: VIOLATION, COMPLIANT.
RED, GREEN = (0xA3, 0x30, 0x2A), (0x1F, 0x6B, 0x3A)
HOSTILE = '<script>console.error("injected")</script>'


def _shots() -> ModuleType:
    spec = importlib.util.spec_from_file_location("report_screenshots", ROOT / "scripts" / "report_screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SHOTS = _shots()


def _missing(what: str) -> None:
    """Skip for want of a tool; under ENJOIN_REQUIRE_BROWSER=1 (CI) fail instead."""
    reason = f"{what} is not installed (bash scripts/report-tools.sh installs it, as root)"
    if os.environ.get("ENJOIN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"ENJOIN_REQUIRE_BROWSER=1 and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def dot() -> None:
    if pathgraph.dot_program() is None:
        _missing("Graphviz's dot")


@pytest.fixture
def chromium() -> None:
    if SHOTS.chromium() is None:
        _missing("Chromium")


@pytest.fixture(scope="module")
def reports() -> dict[str, dict[str, Any]]:
    return {name: to_report(run_pipeline(path).judgment) for name, (path, _) in DEPLOYMENTS.items()}


# -- reading the page back --------------------------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # this element's text and its descendants', in order

    def all(self, tag: str, klass: str | None = None) -> list[Element]:
        out = []
        for child in self.children:
            if child.tag == tag and (klass is None or klass in child.attrs.get("class", "").split()):
                out.append(child)
            out += child.all(tag, klass)
        return out

    def all_elements(self) -> list[Element]:
        return [e for child in self.children for e in (child, *child.all_elements())]

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())


class _Tree(HTMLParser):
    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if self.stack[-1].tag != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1].tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.texts.append(data)


def parse(page: str) -> Element:
    tree = _Tree()
    tree.feed(page)
    tree.close()
    assert tree.problems == [], tree.problems[:5]
    assert [e.tag for e in tree.stack] == ["#document"], "unclosed: " + ", ".join(e.tag for e in tree.stack[1:])
    return tree.root


def by_id(root: Element, tag: str, ident: str) -> Element:
    found = [e for e in root.all(tag) if e.attrs.get("id") == ident]
    assert len(found) == 1, (tag, ident, len(found))
    return found[0]


# -- a PNG reader small enough to trust (8-bit RGB or RGBA, not interlaced: what Chromium writes) ------------------


def png_colours(data: bytes) -> set[bytes]:
    """The distinct colours of a PNG's pixels (each as its RGB bytes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(height):
        kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = row[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                row[i] = (row[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        colours.update(bytes(row[i:i + 3]) for i in range(0, stride, bpp))
        previous = row
    return colours


def console_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line]


# -- the pages of the reference and of three violating variants -----------------------------------------------


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_every_clause_is_on_the_page_with_its_verdict_reason_and_the_orders_words(
        name: str, reports: dict[str, dict[str, Any]]) -> None:
    report = reports[name]
    root = parse(render(report))
    sections = {s.attrs["id"]: s for s in root.all("section", "clause")}
    assert set(sections) == {f"clause-{c}" for c in CLAUSES}
    violating = set()
    for clause in report["clauses"]:
        section = sections[f"clause-{clause['id']}"]
        badge = section.all("span", "verdict")[0]
        assert badge.text == clause["verdict"]
        if badge.text == "VIOLATION":
            violating.add(clause["id"])
        assert clause["reason"] in section.text and clause["title"] in section.text
        quotes = [q.text for q in section.all("blockquote")]
        assert quotes == [" ".join(c["quote"].split()) for c in clause["citations"]]
        marks = [m.text for m in section.all("span") if m.attrs.get("class") in {"checked", "unverified"}]
        assert marks == [("quote verified against the order" if c["verified"] else
                          "quote not verified against the order") for c in clause["citations"]]
    assert violating == DEPLOYMENTS[name][1]
    assert root.all("title")[0].text == f"enjoin: ca-v-hhs — {report['verdict']}"
    assert "no provenance recorded" in by_id(root, "section", "provenance").text


@pytest.mark.parametrize("name", DEPLOYMENTS)
@pytest.mark.usefixtures("dot")
def test_each_finding_has_its_path_drawn_and_its_steps_tabled(name: str, reports: dict[str, dict[str, Any]]) -> None:
    report = reports[name]
    root = parse(render(report))
    findings = [(c["id"], f) for c in report["clauses"] for f in c["findings"]]
    assert bool(findings) == bool(DEPLOYMENTS[name][1])
    for clause_id, finding in findings:
        articles = by_id(root, "section", f"clause-{clause_id}").all("article", "finding")
        assert len(articles) == len([f for c, f in findings if c == clause_id])
        article = articles[[f for c, f in findings if c == clause_id].index(finding)]
        svgs = article.all("svg")
        assert len(svgs) == 1 and not article.all("p", "note")
        drawn = svgs[0].text
        for hop in finding["hops"]:
            assert hop["action"] in drawn and hop["principal"] in drawn and hop["resource"] in drawn
            for key, value in hop["context"].items():
                assert f"when {key} = {value}" in drawn.replace("\xa0", " ")
        assert f"{finding['party']} principal" in drawn and "the read" in drawn
        rows = article.all("table", "hops")[0].all("tbody")[0].all("tr")
        assert [r.all("td")[2].text for r in rows] == [h["action"] for h in finding["hops"]]


def test_the_page_fetches_nothing(reports: dict[str, dict[str, Any]]) -> None:
    root = parse(render(reports["role-chain-two-hop"]))
    assert not root.all("script") and not root.all("link") and not root.all("iframe") and not root.all("img")
    everything = root.all_elements()
    assert not [e.tag for e in everything if {"src", "srcset", "data", "poster"} & set(e.attrs)]
    for e in everything:
        href = e.attrs.get("href") or e.attrs.get("xlink:href")
        # In-page anchors, and the citations' links to the order (followed by a reader, never fetched by the page).
        assert href is None or href.startswith("#") or (
            e.tag == "a" and "external" in e.attrs.get("class", "") and href.startswith("https://")), (e.tag, href)
    style = " ".join(s.text for s in root.all("style"))
    assert "@import" not in style and "url(" not in style


@pytest.mark.parametrize("name", DEPLOYMENTS)
@pytest.mark.usefixtures("dot", "chromium")
def test_chromium_paints_the_page_and_logs_nothing(name: str, reports: dict[str, dict[str, Any]],
                                                    tmp_path: Path) -> None:
    page, png = tmp_path / "report.html", tmp_path / "report.png"
    page.write_text(render(reports[name]), encoding="utf-8")
    log = SHOTS.screenshot(page, png, width=1280, height=1400)
    assert console_lines(log) == []
    colours = png_colours(png.read_bytes())
    assert len(colours) > 100, f"{len(colours)} colours: a blank page?"
    assert bytes(RED if DEPLOYMENTS[name][1] else GREEN) in colours


@pytest.mark.usefixtures("chromium")
def test_the_browser_checks_would_see_a_blank_page_and_a_console_message(tmp_path: Path) -> None:
    blank, noisy = tmp_path / "blank.html", tmp_path / "noisy.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    noisy.write_text('<!DOCTYPE html><html><body><script>console.error("boom")</script></body></html>',
                     encoding="utf-8")
    assert console_lines(SHOTS.screenshot(blank, tmp_path / "blank.png", width=320, height=200)) == []
    assert len(png_colours((tmp_path / "blank.png").read_bytes())) == 1
    assert any('"boom"' in line for line in console_lines(SHOTS.screenshot(noisy, tmp_path / "n.png", width=320,
                                                                             height=200)))


# -- what a template's author writes is text ----------------------------------------------------------------------


def _hostile(report: dict[str, Any]) -> dict[str, Any]:
    """The report with a script in a Sid, a role name, the party, a clause's title and the provenance."""
    report = copy.deepcopy(report)
    report["provenance"] = {"configuration": HOSTILE, "versions": {"enjoin": HOSTILE}}
    clause = next(c for c in report["clauses"] if c["findings"])
    clause["title"] = HOSTILE
    finding = clause["findings"][0]
    finding["party"] = HOSTILE
    finding["hops"][0]["principal"] = f"arn:aws:iam::222222222222:role/{HOSTILE}"
    finding["hops"][0]["statements"] = [f"Sid {HOSTILE!r} of a policy (Allow)"]
    finding["hops"][0].pop("statement_refs", None)
    return report


def test_a_script_in_a_name_is_text(reports: dict[str, dict[str, Any]]) -> None:
    page = render(_hostile(reports["role-chain-two-hop"]))
    assert HOSTILE not in page
    root = parse(page)
    assert root.all("script") == []
    body = root.all("body")[0].text
    assert body.count(HOSTILE) >= 5  # title, party, role, Sid, provenance: each shown as written
    if pathgraph.dot_program() is not None:
        assert HOSTILE in " ".join(svg.text for svg in root.all("svg"))


@pytest.mark.usefixtures("dot", "chromium")
def test_a_script_in_a_name_does_not_run(reports: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    page = tmp_path / "hostile.html"
    page.write_text(render(_hostile(reports["role-chain-two-hop"])), encoding="utf-8")
    assert console_lines(SHOTS.screenshot(page, tmp_path / "hostile.png", width=800, height=600)) == []


# -- without Graphviz, with provenance, undecided findings, statements' files and lines ----------------------------


def test_without_graphviz_each_path_is_an_indented_list_under_a_note(
        reports: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pathgraph, "dot_program", lambda: None)
    report = reports["role-chain-two-hop"]
    root = parse(render(report))
    assert root.all("svg") == []
    for clause in report["clauses"]:
        for article, finding in zip(by_id(root, "section", f"clause-{clause['id']}").all("article", "finding"),
                                    clause["findings"], strict=True):
            assert "Graphviz's dot was not found" in article.all("p", "note")[0].text
            lists = article.all("ul", "path-list")
            assert len(lists) == 1
            depth, level = 0, lists[0]
            while level.all("ul"):
                level = level.all("ul")[0]
                depth += 1
            assert depth == len(finding["hops"])
            assert finding["hops"][-1]["resource"] in lists[0].text


def test_dot_that_fails_or_hangs_is_a_reason_not_a_crash(tmp_path: Path) -> None:
    failing, hanging = tmp_path / "failing", tmp_path / "hanging"
    failing.write_text("#!/bin/sh\necho 'syntax error in line 1' >&2\nexit 3\n", encoding="utf-8")
    hanging.write_text("#!/bin/sh\nexec sleep 30\n", encoding="utf-8")
    for script in (failing, hanging):
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    assert pathgraph.draw("digraph g {}", dot=str(failing)) == pathgraph.Drawing(
        "", "Graphviz's dot failed (exit 3): syntax error in line 1")
    assert pathgraph.draw("digraph g {}", dot=str(hanging), timeout=0.5) == pathgraph.Drawing(
        "", "Graphviz's dot did not finish within 0.5 s")


def test_the_provenance_is_shown_whatever_its_shape(reports: dict[str, dict[str, Any]]) -> None:
    report = copy.deepcopy(reports["reference"])
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    report["provenance"] = {
        "configuration": "enjoin.yaml",
        "configuration_files": [{"path": "enjoin.yaml", "sha256": digest}],
        "case": {"name": "ca-v-hhs", "path": "enjoin:cases/ca-v-hhs.yaml", "sha256": digest[::-1]},
        "inputs": {"infra/reference/cms-identity.yaml": "sha256:" + digest},  # a mapping of path to digest
        "backend": "moto",
        "snapshot": None,
        "started_at": "2026-02-01T03:00:00Z",
        "finished_at": "2026-02-01T03:01:10Z",
        "versions": {"enjoin": "0.1.0", "python": "3.11.7", "moto": "5.2.1"},
        "platform": "Linux-6.1.0-x86_64-with-glibc2.36",
    }
    section = by_id(parse(render(report)), "section", "provenance")
    assert "no provenance recorded" not in section.text
    for text in ("enjoin.yaml", digest, digest[::-1], "sha256:" + digest, "infra/reference/cms-identity.yaml",
                 "moto", "5.2.1", "3.11.7", "2026-02-01T03:01:10Z", "Linux-6.1.0-x86_64-with-glibc2.36"):
        assert text in section.text, text
    rows = {r.all("th")[0].text: r for r in section.all("table")[0].all("tbody")[0].children}
    assert set(rows) == {key.replace("_", " ") for key in report["provenance"]}
    assert rows["snapshot"].all("td")[0].text == "none"
    assert rows["configuration files"].all("code")[1].text == digest


def test_an_undecided_finding_says_why_and_the_set_aside_constructs_are_listed(
        reports: dict[str, dict[str, Any]]) -> None:
    report = copy.deepcopy(reports["kms-key-policy-opens"])
    construct = {"where": "CmsIdentity/Bridge", "file": "infra/x.yaml", "line": 12, "resource": "Bridge",
                 "type": "AWS::IAM::Role", "property": "Policies", "reason": "a condition key the engine does not know",
                 "affects": ["arn:aws:s3:::cms-tmsis-claims/*"], "unbounded": None}
    clause = next(c for c in report["clauses"] if c["id"] == "DKT148-FIELDS")
    clause["findings"][0].update(verdict="INDETERMINATE", construct=construct)
    report["constructs"] = {"inert": [{**construct, "where": "Logs/Bucket", "reason": "logging changes no reader"}],
                            "unmodeled": [{**construct, "where": "Odd/Thing", "reason": "no model of it yet"}]}
    report["gaps"] = [{**construct, "where": "s3:GetBucketPolicy", "reason": "AccessDenied"}]
    root = parse(render(report))
    article = by_id(root, "section", "clause-DKT148-FIELDS").all("article", "finding")[0]
    assert article.all("span", "verdict")[0].text == "INDETERMINATE"
    assert "Why it is undecided" in article.text and "a condition key the engine does not know" in article.text
    assert "infra/x.yaml:12" in article.text and "AWS::IAM::Role.Policies" in article.text
    aside = by_id(root, "section", "constructs")
    cells = [r.all("td")[0].text for table in aside.all("table")[:3] for r in table.all("tbody")[0].children]
    assert cells == ["Logs/Bucket", "Odd/Thing", "s3:GetBucketPolicy"]
    summary = by_id(root, "section", "summary").text
    assert "treated as inert 1" in summary and "not modelled 1" in summary and "reads refused (gaps) 1" in summary


@pytest.mark.usefixtures("dot")
def test_each_statement_is_shown_with_its_file_and_line_when_the_report_has_them(
        reports: dict[str, dict[str, Any]]) -> None:
    report = copy.deepcopy(reports["direct-grant"])
    finding = report["clauses"][0]["findings"][0]
    hop = finding["hops"][0]
    hop["statement_refs"] = [{"policy": "trust policy of X", "sid": "Open", "index": 0, "effect": "Allow",
                              "file": "infra/reference/cms-identity.yaml", "line": 42}]
    article = parse(render(report)).all("article", "finding")[0]
    assert "Sid 'Open' of trust policy of X (Allow)" in article.all("table", "hops")[0].text
    assert "infra/reference/cms-identity.yaml:42" in article.all("table", "hops")[0].text
    assert "infra/reference/cms-identity.yaml:42" in article.all("svg")[0].text


def test_the_ways_not_followed_are_in_the_report_and_on_the_page_with_why(reports: dict[str, dict[str, Any]]) -> None:
    """A reader learns what a COMPLIANT did not consider: each not-modelled row of the compute table, with why."""
    from enjoin.reach_compute import not_modelled

    report = reports["reference"]
    ways = {w["way"]: w for w in report["paths_not_followed"]}
    assert set(ways) == {w.id for w in not_modelled()} and "ecs-execute-command" in ways
    assert ways["ecs-execute-command"]["through"] == "ecs-task"
    assert ways["ecs-execute-command"]["why_not"].startswith("a running task cannot be deployed from a template")
    section = by_id(parse(render(report)), "section", "constructs")
    assert "Ways to act as a role that are not followed yet" in section.text
    assert "ecs-execute-command" in section.text and "a running task cannot be deployed" in section.text
