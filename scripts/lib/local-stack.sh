# shellcheck shell=bash
# Starts the local stack the demo and the examples check apply against: the provider built from
# this tree, a throwaway PostgreSQL with TLS and the integrator.io emulator, plus a dev_overrides
# CLI configuration. Source it, then call stack_start DIR; stack_stop runs from the caller's trap.
#
# After stack_start: STACK_TERRAFORM, STACK_BASE_URL, STACK_EMULATOR_ROOT, STACK_PG_SETTINGS, and
# the exported TF_CLI_CONFIG_FILE, INTEGRATORIO_API_TOKEN and INTEGRATORIO_BASE_URL.

stack_pids=()
stack_dir=""

stack_fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

# stack_wait_for FILE PATTERN PID WHAT: waits up to 30s for PATTERN in FILE while PID lives.
stack_wait_for() {
	local file="$1" pattern="$2" pid="$3" what="$4"
	for _ in $(seq 1 300); do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || stack_fail "$what did not start: $(cat "$file" "$file.err" 2>/dev/null)"
		sleep 0.1
	done
	stack_fail "$what did not start within 30s"
}

stack_start() {
	local root
	root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
	stack_dir="$1"
	rm -rf "$stack_dir"
	mkdir -p "$stack_dir/bin" "$stack_dir/pg"

	"$root/scripts/install-tools.sh" terraformrc terraform postgres utils >"$stack_dir/tools.log" ||
		stack_fail "installing tools: $(cat "$stack_dir/tools.log")"
	export TF_CLI_CONFIG_FILE="$root/bin/terraformrc"
	STACK_TERRAFORM="$root/bin/terraform"

	(cd "$root" &&
		go build -o "$stack_dir/bin/terraform-provider-integratorio" -ldflags "-X main.version=local" . &&
		go build -o "$stack_dir/bin/integratorio-emulator" ./internal/cmd/integratorio-emulator &&
		go build -o "$stack_dir/bin/pgserver-demo" ./internal/cmd/pgserver-demo) || stack_fail "building"

	STACK_PG_SETTINGS="$stack_dir/pg/postgres.json"
	"$stack_dir/bin/pgserver-demo" -out "$STACK_PG_SETTINGS" >"$stack_dir/pg.log" 2>"$stack_dir/pg.log.err" &
	stack_pids+=($!)
	stack_wait_for "$stack_dir/pg.log" "pgserver-demo:" "${stack_pids[-1]}" "PostgreSQL"

	local token
	token="local-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
	INTEGRATORIO_API_TOKEN="$token" "$stack_dir/bin/integratorio-emulator" -addr 127.0.0.1:0 -seed-agent dc1-agent \
		>"$stack_dir/emulator.log" 2>"$stack_dir/emulator.log.err" &
	stack_pids+=($!)
	stack_wait_for "$stack_dir/emulator.log" "http://" "${stack_pids[-1]}" "the emulator"
	STACK_BASE_URL="$(grep -o 'http://[^ ]*' "$stack_dir/emulator.log" | head -n1)"
	STACK_EMULATOR_ROOT="${STACK_BASE_URL%/v1}"

	cat >"$stack_dir/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "integratorio/integratorio" = "$stack_dir/bin"
  }
  direct {}
}
RC
	export TF_CLI_CONFIG_FILE="$stack_dir/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
	export INTEGRATORIO_API_TOKEN="$token" INTEGRATORIO_BASE_URL="$STACK_BASE_URL"
}

# stack_connection_count: how many connections the emulator holds.
# The controls need the emulator's token; it goes to curl on stdin, never on its command line.
stack_connection_count() {
	printf 'header = "Authorization: Bearer %s"\n' "$INTEGRATORIO_API_TOKEN" |
		curl -fsS --config - "$STACK_EMULATOR_ROOT/_emulator/connections" | jq length
}

stack_stop() {
	local pid
	for pid in "${stack_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${stack_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	stack_pids=()
	[[ -n "$stack_dir" ]] && rm -rf "$stack_dir"
}
