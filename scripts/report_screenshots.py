"""Screenshots of the HTML report in headless Chromium, and the ones the README shows.

    python3 scripts/report_screenshots.py [VARIANT]

judges infra/variants/VARIANT (role-chain-two-hop unless named) with ``enjoin judge --json``, renders its HTML
report (enjoin.report.html) and writes docs/html-report-overview.png (the top of the page) and
docs/html-report-finding.png (the first clause with its finding: the path as a graph and the table of its steps;
the same page with the header, provenance and summary hidden, since a headless screenshot scrolled to an anchor
paints blank). tests/test_report_html.py uses :func:`screenshot` to render the reports of the reference deployment
and of violating variants and to read what the browser logged.

Chromium is Debian's ``chromium`` (scripts/report-tools.sh installs it); the page is opened from a file, with no
script in it and nothing to fetch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TIMEOUT = 120  # seconds for one page; a cold start of Chromium takes one or two


def chromium() -> str | None:
    """Where the Chromium binary is (Debian names it chromium; others chromium-browser), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page: Path, png: Path, *, width: int = 1280, height: int = 1600) -> str:
    """Open ``page`` in headless Chromium, write a ``width`` x ``height`` screenshot to ``png``, return its log.

    The log is Chromium's standard error at ``--v=0``: each message the page sends to the console is a line with
    ``:CONSOLE`` in it (an error, a warning, a log and an uncaught exception alike, so a page without script must
    send none).
    """
    program = chromium()
    if program is None:
        raise FileNotFoundError("chromium is not installed (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="enjoin-chromium-") as profile:
        run = subprocess.run(
            [program, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", f"--user-data-dir={profile}",
             "--enable-logging=stderr", "--v=0", f"--window-size={width},{height}", f"--screenshot={png}",
             page.resolve().as_uri()],
            capture_output=True, text=True, timeout=TIMEOUT, check=False,
            env={**os.environ, "HOME": profile},
        )
    if run.returncode != 0 or not png.exists():
        raise RuntimeError(f"chromium exited {run.returncode} without a screenshot: {run.stderr[-2000:]}")
    return run.stderr


def main(variant: str = "role-chain-two-hop") -> None:
    from enjoin.report.html import render

    # The report as a user gets it (enjoin judge --json), so that it carries what the command adds (provenance).
    enjoin = shutil.which("enjoin", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    if enjoin is None:
        raise SystemExit("the enjoin command is not installed (pip install -e .)")
    config = ROOT / "infra" / "variants" / variant / "enjoin.yaml"
    run = subprocess.run([enjoin, "judge", "--config", str(config.relative_to(ROOT)), "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600, check=False)
    if run.returncode not in (0, 1):  # 1: a violation, which is what the screenshots show
        raise SystemExit(f"enjoin judge exited {run.returncode}: {run.stderr}")
    report = json.loads(run.stdout)
    DOCS.mkdir(exist_ok=True)
    page = render(report)
    first_clause = page.replace("</style>", "header.run, nav.toc, #provenance, #summary { display: none; }</style>", 1)
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in (("overview", page), ("finding", first_clause)):
            html = Path(tmp) / f"{name}.html"
            html.write_text(text, encoding="utf-8")
            log = screenshot(html, DOCS / f"html-report-{name}.png", height=1500)
            console = [line for line in log.splitlines() if ":CONSOLE" in line]
            if console:
                raise SystemExit(f"the page logged to the console: {console}")
            print(DOCS / f"html-report-{name}.png")


if __name__ == "__main__":
    main(*sys.argv[1:2])
