#!/usr/bin/env bash
# Runs a module's `terraform test` files against the integrator.io emulator, as a CI job does:
# starts integratorio-emulator (from PATH) with a fresh token and a seeded agent, points the
# provider at it, runs the tests, and stops it. Usage, from the repository that holds the module:
#
#   run-tests.sh MODULE_DIR [DB_SETTINGS_JSON]
#
# With DB_SETTINGS_JSON (the file pgserver-demo -out writes), the connections are checked against
# that PostgreSQL, as integrator.io would check yours. Without it there is no database: the
# connectivity checks are turned off, for this run only, through the environment.
set -euo pipefail

module="${1:?usage: run-tests.sh MODULE_DIR [DB_SETTINGS_JSON]}"
db_settings="${2:-}"
tf="${TERRAFORM:-terraform}"

work="$(mktemp -d)"
emulator_pid=""
cleanup() {
	[[ -n "$emulator_pid" ]] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# A throwaway token: the emulator accepts what it is given.
INTEGRATORIO_API_TOKEN="ci-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export INTEGRATORIO_API_TOKEN
integratorio-emulator -addr 127.0.0.1:0 -seed-agent dc1-agent >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!
for _ in $(seq 1 100); do
	grep -q 'listening on http://' "$work/emulator.out" 2>/dev/null && break
	kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
	sleep 0.1
done
INTEGRATORIO_BASE_URL="$(grep -o 'http://[^ ]*' "$work/emulator.out" | head -n1)"
export INTEGRATORIO_BASE_URL
[[ -n "$INTEGRATORIO_BASE_URL" ]] || { echo "the emulator did not start" >&2; exit 1; }

if [[ -n "$db_settings" ]]; then
	# The module's variables, from the throwaway PostgreSQL's settings.
	TF_VAR_databases="$(jq -c '{orders: {host, port, database, username: .password_user, ca_pem: $ca}}' \
		--arg ca "$(cat "$(jq -r .ca_file "$db_settings")")" "$db_settings")"
	TF_VAR_passwords="$(jq -c '{orders: .password}' "$db_settings")"
else
	# No database: nothing to log in to, so neither check runs (the direct one is the module's
	# variable, integrator.io's test the provider's default, here from the environment).
	TF_VAR_databases='{"orders": {"host": "orders.db.example.com", "database": "orders", "username": "integrator"}}'
	TF_VAR_passwords='{"orders": "not-a-real-password"}'
	export TF_VAR_direct_check=false INTEGRATORIO_CHECK_VIA_API=false
fi
export TF_VAR_databases TF_VAR_passwords

cd "$module"
"$tf" test -no-color
