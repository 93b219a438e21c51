#!/usr/bin/env bash
# Install enjoin with its development dependencies, then run its own tests and the compliance suite.
#
#   bash scripts/test.sh [pytest args for the unit tests]
#
# The install goes into a virtual environment of its own, .venv at the repository root (ENJOIN_VENV to put it
# elsewhere), never into the machine's Python, and takes the tested versions from constraints.txt. The venv is
# made afresh when it is missing, when constraints.txt, pyproject.toml or python3 changed since it was made (a
# stamp inside it keeps their hash), and always under CI=true; enjoin itself is reinstalled on every run, so its
# compiled core is rebuilt. Everything below runs with that venv's python and its bin/ first on PATH, and
# ENJOIN_PINNED=1 tells tests/test_install.py that the installed set is the pinned one.
#
# The container backend's tests need a Docker engine: as root this script installs and starts one when
# none answers (scripts/docker-up.sh), builds the local moto server image (scripts/build-image.sh), and stops
# the daemon it started, by its pid, when it ends. Without root or a Docker engine those tests are skipped
# with the reason, unless ENJOIN_REQUIRE_DOCKER=1 (CI) turns that into a failure.
#
# The HTML report draws paths with Graphviz and its test renders it in Chromium: as root this script installs
# Debian's graphviz and chromium when missing (scripts/report-tools.sh). Without them those tests are skipped with
# the reason, unless ENJOIN_REQUIRE_BROWSER=1 (CI) turns that into a failure.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv="${ENJOIN_VENV:-.venv}"
mkdir -p "$(dirname "$venv")" && venv="$(cd "$(dirname "$venv")" && pwd)/$(basename "$venv")"
stamp="$(cat constraints.txt pyproject.toml | sha256sum | cut -d' ' -f1) $(python3 -c 'import sys; print(sys.version.split()[0], sys.executable)')"
if [[ "${CI:-}" == true || ! -x "$venv/bin/python" || "$(cat "$venv/.enjoin-stamp" 2>/dev/null)" != "$stamp" ]]; then
    echo "== a fresh virtual environment: $venv"
    if [[ -e "$venv" && ! -f "$venv/pyvenv.cfg" ]]; then
        echo "test.sh: $venv exists and is not a virtual environment; not removing it" >&2; exit 1
    fi
    rm -rf "$venv"
    python3 -m venv "$venv" || { echo "test.sh: python3 -m venv failed (on Debian: apt-get install python3-venv)" >&2; exit 1; }
fi
py="$venv/bin/python"
"$py" -m pip install -q -c constraints.txt -e '.[dev]' 2> >(grep -v 'is ignored: it is neither' >&2) \
    || { echo "test.sh: installing enjoin into $venv failed (a C compiler and the Python headers are needed)" >&2; exit 1; }
echo "$stamp" >"$venv/.enjoin-stamp"
export VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" ENJOIN_PINNED=1

started_pid=""
cleanup() { if [[ -n "$started_pid" ]]; then bash scripts/docker-down.sh "$started_pid"; fi; }
trap cleanup EXIT

if [[ "${ENJOIN_SKIP_DOCKER:-0}" != 1 ]]; then
    if out="$(bash scripts/docker-up.sh)"; then
        started_pid="$(tail -n 1 <<<"$out")"
        if tag="$(bash scripts/build-image.sh | tail -n 1)"; then
            export ENJOIN_IMAGE="$tag"
        else
            echo "test.sh: building the moto server image failed; container tests will say why" >&2
        fi
    else
        echo "test.sh: no Docker engine could be started; container tests will be skipped" >&2
    fi
fi
# Graphviz and Chromium for the HTML report and its browser test (tests/test_report_html.py says why when missing).
bash scripts/report-tools.sh || echo "test.sh: Graphviz or Chromium could not be installed; the browser tests will say why" >&2
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
export TESTCONTAINERS_CONNECTION_MODE="${TESTCONTAINERS_CONNECTION_MODE:-docker_host}"

status=0
# On every core (pytest-xdist; ENJOIN_TEST_WORKERS to choose how many, 0 for one process): tests/conftest.py keeps a
# module's tests on one worker, as they share its fixtures, and spreads the long independent ones.
workers=(-n "${ENJOIN_TEST_WORKERS:-auto}" --dist loadgroup)
echo "== enjoin's own tests: $py -m pytest tests ${workers[*]} $*"
"$py" -m pytest tests -q -p no:cacheprovider "${workers[@]}" "$@" || status=1
echo "== the engine's Python reference alone on the conformance corpus"
ENJOIN_PURE_PYTHON=1 "$py" -m pytest tests/engine/test_corpus.py tests/engine/test_core.py -q -p no:cacheprovider || status=1
echo "== the compliance suite on the reference deployment: $py -m pytest"
"$py" -m pytest -q -p no:cacheprovider || status=1
exit "$status"
