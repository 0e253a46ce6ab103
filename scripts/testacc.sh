#!/usr/bin/env bash
# Runs a command against a local stand-in for an integrator.io account: starts the integrator.io
# emulator (with one online agent) and a throwaway PostgreSQL 15 with TLS, points the variables
# the acceptance tests read at them, runs the command, then stops both and removes their files.
#
#   scripts/testacc.sh go test ./... -count=1     # what `make testacc` does (with TF_ACC=1)
#   scripts/testacc.sh make testacc-live          # the live suite, given the emulator as an account
#
# Exported to the command: INTEGRATORIO_API_TOKEN, INTEGRATORIO_BASE_URL (INTEGRATORIO_REGION
# unset), INTEGRATORIO_ACC_PG_{HOST,PORT,DATABASE,USER,PASSWORD,CA}, the certificate login
# INTEGRATORIO_ACC_PG_{CERT_USER,CLIENT_CERT,CLIENT_KEY,CLIENT_KEY_PASSPHRASE} and
# INTEGRATORIO_ACC_AGENT. Nothing secret is printed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ $# -gt 0 ]] || { echo "usage: scripts/testacc.sh COMMAND [ARGS...]" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/integratorio-testacc.XXXXXX")"
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { printf 'testacc: %s\n' "$*" >&2; exit 1; }

# wait_for FILE PATTERN PID WHAT: waits up to 60s for PATTERN in FILE while PID lives.
wait_for() {
	local file="$1" pattern="$2" pid="$3" what="$4"
	for _ in $(seq 1 600); do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || fail "$what did not start: $(cat "$file" "$file.err" 2>/dev/null)"
		sleep 0.1
	done
	fail "$what did not start within 60s"
}

(cd "$root" &&
	go build -o "$work/integratorio-emulator" ./internal/cmd/integratorio-emulator &&
	go build -o "$work/pgserver-demo" ./internal/cmd/pgserver-demo) || fail "building the emulator"

mkdir -p "$work/pg"
"$work/pgserver-demo" -out "$work/pg/postgres.json" >"$work/pg.log" 2>"$work/pg.log.err" &
pids+=($!)
wait_for "$work/pg.log" "pgserver-demo:" "${pids[-1]}" "PostgreSQL"

agent="tf-acc-agent"
token="acc-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
INTEGRATORIO_API_TOKEN="$token" "$work/integratorio-emulator" -addr 127.0.0.1:0 -seed-agent "$agent" \
	>"$work/emulator.log" 2>"$work/emulator.log.err" &
pids+=($!)
wait_for "$work/emulator.log" "http://" "${pids[-1]}" "the emulator"
base_url="$(grep -o 'http://[^ ]*' "$work/emulator.log" | head -n1)"

settings="$work/pg/postgres.json"
pg() { jq -er ".$1" "$settings"; }
export INTEGRATORIO_API_TOKEN="$token" INTEGRATORIO_BASE_URL="$base_url"
unset INTEGRATORIO_REGION
INTEGRATORIO_ACC_PG_HOST="$(pg host)"
INTEGRATORIO_ACC_PG_PORT="$(pg port)"
INTEGRATORIO_ACC_PG_DATABASE="$(pg database)"
INTEGRATORIO_ACC_PG_USER="$(pg password_user)"
INTEGRATORIO_ACC_PG_PASSWORD="$(pg password)"
INTEGRATORIO_ACC_PG_CA="$(pg ca_file)"
INTEGRATORIO_ACC_PG_CERT_USER="$(pg cert_user)"
INTEGRATORIO_ACC_PG_CLIENT_CERT="$(pg client_cert_file)"
INTEGRATORIO_ACC_PG_CLIENT_KEY="$(pg client_key_encrypted_file)"
INTEGRATORIO_ACC_PG_CLIENT_KEY_PASSPHRASE="$(pg client_key_passphrase)"
INTEGRATORIO_ACC_AGENT="$agent"
export INTEGRATORIO_ACC_PG_HOST INTEGRATORIO_ACC_PG_PORT INTEGRATORIO_ACC_PG_DATABASE INTEGRATORIO_ACC_PG_USER \
	INTEGRATORIO_ACC_PG_PASSWORD INTEGRATORIO_ACC_PG_CA INTEGRATORIO_ACC_PG_CERT_USER INTEGRATORIO_ACC_PG_CLIENT_CERT \
	INTEGRATORIO_ACC_PG_CLIENT_KEY INTEGRATORIO_ACC_PG_CLIENT_KEY_PASSPHRASE INTEGRATORIO_ACC_AGENT

echo "testacc: integrator.io emulator at $base_url (agent \"$agent\"), $(cat "$work/pg.log")"
# Not exec: the trap stops the emulator and PostgreSQL when the command ends.
status=0
"$@" || status=$?
exit "$status"
