#!/usr/bin/env bash
# Install enjoin with its development dependencies, then run its own tests and the compliance suite.
#
#   bash scripts/test.sh [pytest args for the unit tests]
#
# The container backend's tests need a Docker engine: as root this script installs and starts one when
# none answers (scripts/docker-up.sh), builds the local moto server image (scripts/build-image.sh), and stops
# the daemon it started, by its pid, when it ends. Without root or a Docker engine those tests are skipped
# with the reason, unless ENJOIN_REQUIRE_DOCKER=1 (CI) turns that into a failure.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python3 -m pip install -q -e '.[dev]' || { echo "test.sh: installing enjoin failed" >&2; exit 1; }

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
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
export TESTCONTAINERS_CONNECTION_MODE="${TESTCONTAINERS_CONNECTION_MODE:-docker_host}"

status=0
echo "== enjoin's own tests: python3 -m pytest tests $*"
python3 -m pytest tests -q -p no:cacheprovider "$@" || status=1
echo "== the engine's Python reference alone on the conformance corpus"
ENJOIN_PURE_PYTHON=1 python3 -m pytest tests/engine/test_corpus.py tests/engine/test_core.py -q -p no:cacheprovider || status=1
echo "== the compliance suite on the reference deployment: python3 -m pytest"
python3 -m pytest -q -p no:cacheprovider || status=1
exit "$status"
