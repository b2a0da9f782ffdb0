#!/bin/sh
# Pre-flight every campaign given (campaign.yaml files or their folders), one SARIF report each in $DLP_SARIF_DIR
# (default dlp-sarif/), and exit with the worst result: 2 if any campaign could not be read, else 1 if any
# blocks, else 0. Every campaign is scanned even after one fails, so one run shows them all.
#   docs/ci/dlp-preflight-all.sh campaigns/*/campaign.yaml
# Extra arguments for dlp come from $DLP_ARGS (e.g. "--fail-on warn --rules rules/ours.yaml").
set -u
out="${DLP_SARIF_DIR:-dlp-sarif}"
mkdir -p "$out" || exit 2
[ "$#" -gt 0 ] || { echo "dlp-preflight-all: no campaign given" >&2; exit 2; }
worst=0
for campaign in "$@"; do
  name=$(printf '%s' "${campaign%/campaign.y*ml}" | tr -c 'A-Za-z0-9._-' '_')
  # shellcheck disable=SC2086  # DLP_ARGS is a list of words
  dlp preflight "$campaign" --format sarif --output "$out/$name.sarif" ${DLP_ARGS:-}
  code=$?
  case $code in
    0) echo "dlp: $campaign: pass" ;;
    1) echo "dlp: $campaign: BLOCK (see $out/$name.sarif)" ;;
    *) echo "dlp: $campaign: could not be scanned (exit $code)"; code=2 ;;
  esac
  [ "$code" -gt "$worst" ] && worst=$code
done
exit "$worst"
