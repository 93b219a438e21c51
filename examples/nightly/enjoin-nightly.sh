#!/usr/bin/env bash
# enjoin's nightly run without a CI service: judge the live accounts, keep the evidence, hold it against the
# reviewed code, keep both reports in a directory of the night's own, and exit non-zero on a VIOLATION, an
# INDETERMINATE clause or drift. From cron (README, "Nightly"):
#
#   17 3 * * * cd "$HOME/agency-infra" && examples/nightly/enjoin-nightly.sh enjoin-live.yaml "$HOME/enjoin-nightly" >>"$HOME/enjoin-nightly.log" 2>&1
#
# Usage: enjoin-nightly.sh [CONFIG] [KEEP]
#   CONFIG  the enjoin.yaml with a live: section (default: enjoin-live.yaml)
#   KEEP    where each night's directory is made (default: enjoin-nightly); the night's is KEEP/<UTC date and time>
#
# The night's directory holds evidence.json (what was read, to judge again with enjoin judge --snapshot),
# verdict.json (enjoin judge's report), drift.json (enjoin drift's), judge.txt and drift.txt (what each printed),
# and exit-codes.txt. Credentials come from boto3's standard chain, as for any live run.
#
# Exit code: the larger of the two commands' (0 only when both are 0): 1 a VIOLATION or an INDETERMINATE clause, or
# drift; 2 bad input; 3 the accounts could not be read or enjoin failed. Both commands always run, so both reports
# are kept whatever the first found.
set -u

config="${1:-enjoin-live.yaml}"
keep="${2:-enjoin-nightly}"
night="$keep/$(date -u +%Y-%m-%dT%H%M%SZ)"
mkdir -p "$night" || exit 3

enjoin judge --config "$config" --backend live --save-snapshot "$night/evidence.json" --report "$night/verdict.json" >"$night/judge.txt" 2>&1
judged=$?
if [ -f "$night/evidence.json" ]; then
  # The same reading the verdict judged: no second pass over the accounts.
  enjoin drift --config "$config" --live-snapshot "$night/evidence.json" --report "$night/drift.json" >"$night/drift.txt" 2>&1
else
  # No evidence (the judgment could not read the accounts): drift reads them itself.
  enjoin drift --config "$config" --report "$night/drift.json" >"$night/drift.txt" 2>&1
fi
drifted=$?

printf 'enjoin judge %s\nenjoin drift %s\n' "$judged" "$drifted" >"$night/exit-codes.txt"
status=$((judged > drifted ? judged : drifted))
cat "$night/judge.txt" "$night/drift.txt"
echo "enjoin-nightly: $night: enjoin judge exited $judged, enjoin drift $drifted; exit $status"
exit "$status"
