#!/usr/bin/env bash
# What the HTML report's tests need besides Python: Graphviz's dot (draws each finding's path as SVG) and
# Chromium (tests/test_report_html.py renders the page headless and screenshots it), both from Debian.
#
#   scripts/report-tools.sh     installs graphviz and chromium when dot or chromium is missing; does nothing
#                               when both are there (so it can run before every test run)
#
# Needs root to install. Without root, or when apt-get fails, it says so and exits 1: the HTML report then lists
# each path instead of drawing it, and the browser tests skip with the reason, unless ENJOIN_REQUIRE_BROWSER=1 (CI)
# makes that a failure.
set -euo pipefail

log() { printf 'report-tools: %s\n' "$*" >&2; }

missing=()
command -v dot >/dev/null || missing+=(graphviz)
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || missing+=(chromium)
if ((${#missing[@]} == 0)); then
    exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
    log "${missing[*]} missing, and installing needs root (apt-get install ${missing[*]})"
    exit 1
fi
log "apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q "${missing[@]}" >&2
