#!/usr/bin/env bash
# The live acceptance suite (`make testacc-live`): the TestAcc… tests and the API contract suite
# against the integrator.io account that INTEGRATORIO_API_TOKEN (and INTEGRATORIO_BASE_URL or
# INTEGRATORIO_REGION) name, with connections that log in to the database that the
# INTEGRATORIO_ACC_PG_* variables name. It asks nothing: without the settings it stops at once,
# naming them. The contract suite's readings are written to bin/live-contract.md, and as JSON to
# bin/live-contract.json (integratorio-emulator -readings bin/live-contract.json plays them).
# See CONTRIBUTING.md for what it creates, deletes and costs.
#
#   scripts/testacc-live.sh --check   only check that the settings are there
#
# Extra `go test` arguments come from TESTARGS; the Terraform CLI from TF_ACC_TERRAFORM_PATH.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

missing=()
for name in INTEGRATORIO_API_TOKEN INTEGRATORIO_ACC_PG_HOST INTEGRATORIO_ACC_PG_PORT \
	INTEGRATORIO_ACC_PG_DATABASE INTEGRATORIO_ACC_PG_USER INTEGRATORIO_ACC_PG_PASSWORD; do
	[[ -n "${!name:-}" ]] || missing+=("$name")
done
if [[ ${#missing[@]} -eq 0 && "${1:-}" == "--check" ]]; then exit 0; fi
if [[ ${#missing[@]} -gt 0 ]]; then
	cat >&2 <<EOF
testacc-live: not started: set ${missing[*]}.
  INTEGRATORIO_API_TOKEN        an API token of the integrator.io account to test against
  INTEGRATORIO_BASE_URL         optional: the API base URL (default https://api.integrator.io/v1)
  INTEGRATORIO_REGION           optional: us or eu, when INTEGRATORIO_BASE_URL is not set
  INTEGRATORIO_ACC_PG_HOST, _PORT, _DATABASE, _USER, _PASSWORD
                                a PostgreSQL database that integrator.io and this machine can reach
  INTEGRATORIO_ACC_PG_CA        optional: its CA (PEM text or file); the connections then use TLS
  INTEGRATORIO_ACC_PG_CERT_USER, _CLIENT_CERT, _CLIENT_KEY, _CLIENT_KEY_PASSPHRASE
                                optional: a user that logs in with a client certificate
  INTEGRATORIO_ACC_AGENT        optional: the name of an online on-premise agent
See CONTRIBUTING.md ("Running the acceptance tests against a real account").
EOF
	exit 2
fi

base_url="${INTEGRATORIO_BASE_URL:-}"
if [[ -z "$base_url" ]]; then
	case "${INTEGRATORIO_REGION:-us}" in
	us | "") base_url="https://api.integrator.io/v1" ;;
	eu) base_url="https://api.eu.integrator.io/v1" ;;
	*) echo "testacc-live: INTEGRATORIO_REGION=\"$INTEGRATORIO_REGION\": use us or eu" >&2; exit 2 ;;
	esac
fi

# Which account: GET /tokenInfo. The token goes to curl on stdin, never on its command line.
info="$(mktemp)"
trap 'rm -f "$info"' EXIT
status="$(printf 'header = "Authorization: Bearer %s"\n' "$INTEGRATORIO_API_TOKEN" |
	curl -sS --config - -o "$info" -w '%{http_code}' --max-time 30 "$base_url/tokenInfo")" ||
	{ echo "testacc-live: $base_url/tokenInfo could not be reached" >&2; exit 1; }
if [[ "$status" != 200 ]]; then
	echo "testacc-live: $base_url/tokenInfo answered $status: the token is not accepted there" \
		"(check it, and INTEGRATORIO_BASE_URL or INTEGRATORIO_REGION)" >&2
	exit 1
fi
echo "testacc-live: account of user $(jq -r '._userId // "?"' "$info") at $base_url, token scope $(jq -c '.scope' "$info")"
echo "testacc-live: creates tf-acc-* connections and deletes them; \`make sweep\` removes leftovers older than an hour"

mkdir -p bin/logs
export TF_ACC=1 INTEGRATORIO_ACC_CONTRACT_OUT="$root/bin/live-contract.md"
rm -f "$INTEGRATORIO_ACC_CONTRACT_OUT"
start=$SECONDS
tests=0
# shellcheck disable=SC2086 # TESTARGS is a list of go test flags
go test ./internal/client ./internal/provider -run '^TestAcc' -count=1 -timeout "${ACC_TIMEOUT:-60m}" ${TESTARGS:--v} 2>&1 |
	tee bin/logs/testacc-live.log || tests=$?
echo
if [[ -f "$INTEGRATORIO_ACC_CONTRACT_OUT" ]]; then
	cat "$INTEGRATORIO_ACC_CONTRACT_OUT"
else
	echo "testacc-live: the contract suite wrote no table (bin/live-contract.md)" >&2
	tests=1
fi
echo "testacc-live: $(grep -c '^--- PASS' bin/logs/testacc-live.log || true) passed," \
	"$(grep -c '^--- SKIP' bin/logs/testacc-live.log || true) skipped," \
	"$(grep -c '^--- FAIL' bin/logs/testacc-live.log || true) failed in $((SECONDS - start))s; log in bin/logs/testacc-live.log"
exit "$tests"
