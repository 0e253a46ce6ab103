#!/usr/bin/env bash
# The demo: a real `terraform apply` of three PostgreSQL connections against a local integrator.io
# emulator and a local PostgreSQL server with TLS, with connectivity checks on; then two
# deliberate mistakes, one caught by `terraform plan`, one by a connectivity check at apply;
# then `terraform destroy`. Everything it starts is stopped and removed at the end.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
demo="$root/.demo"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }
fail() { printf '\nDEMO FAILED: %s\n' "$*" >&2; exit 1; }

pids=()
cleanup() {
	local status=$?
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$demo"
	if [[ $status -eq 0 ]]; then
		step "Done: the emulator and PostgreSQL are stopped and .demo/ is removed."
	else
		printf '\nCleaned up after the failure (emulator and PostgreSQL stopped, .demo/ removed).\n' >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Installing what the demo needs (Terraform CLI, PostgreSQL server binaries) if missing"
scripts/install-tools.sh terraformrc terraform postgres
export TF_CLI_CONFIG_FILE="$root/bin/terraformrc"
terraform="$root/bin/terraform"
[[ -x "$terraform" ]] || terraform="$(command -v terraform)" || fail "no Terraform CLI"
note "using $("$terraform" version | head -n1)"

rm -rf "$demo"
mkdir -p "$demo/bin" "$demo/pg" "$demo/work"

step "Building the provider, the emulator and the PostgreSQL launcher"
go build -o "$demo/bin/terraform-provider-integratorio" -ldflags "-X main.version=demo" .
go build -o "$demo/bin/integratorio-emulator" ./internal/cmd/integratorio-emulator
go build -o "$demo/bin/pgserver-demo" ./internal/cmd/pgserver-demo

step "Starting a throwaway PostgreSQL 15 server with TLS on a free loopback port"
"$demo/bin/pgserver-demo" -out "$demo/pg/postgres.json" >"$demo/pg.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
	[[ -s "$demo/pg/postgres.json" ]] && break
	kill -0 "${pids[-1]}" 2>/dev/null || { cat "$demo/pg.log" >&2; fail "PostgreSQL did not start"; }
	sleep 0.1
done
[[ -s "$demo/pg/postgres.json" ]] || fail "PostgreSQL did not start within 30s"
note "$(head -n1 "$demo/pg.log")"

step "Starting the integrator.io emulator (the real service cannot be reached from here)"
token="demo-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
INTEGRATORIO_API_TOKEN="$token" "$demo/bin/integratorio-emulator" -addr 127.0.0.1:0 -seed-agent dc1-agent \
	>"$demo/emulator.out" 2>"$demo/emulator.log" &
pids+=($!)
for _ in $(seq 1 100); do
	grep -q 'http://' "$demo/emulator.out" 2>/dev/null && break
	kill -0 "${pids[-1]}" 2>/dev/null || { cat "$demo/emulator.log" >&2; fail "the emulator did not start"; }
	sleep 0.1
done
base_url="$(grep -o 'http://[^ ]*' "$demo/emulator.out" | head -n1)"
[[ -n "$base_url" ]] || fail "the emulator did not print its URL"
emulator_root="${base_url%/v1}"
note "emulator at $base_url, with one online agent named dc1-agent"

step "Pointing Terraform at the locally built provider (dev_overrides; no registry needed)"
cat >"$demo/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "integratorio/integratorio" = "$demo/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$demo/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export INTEGRATORIO_API_TOKEN="$token" INTEGRATORIO_BASE_URL="$base_url"
export TF_VAR_postgres_settings_file="$demo/pg/postgres.json"
cp examples/demo/main.tf "$demo/work/main.tf"
# tf runs terraform in the demo's work directory, indenting its output. The dev_overrides warning
# is expected here and left out.
tf() {
	(cd "$demo/work" && "$terraform" "$@" -no-color -compact-warnings 2>&1 |
		awk '/development overrides|To see the full warning notes|^Warnings?:$/ {next}
			!seen && /^ *$/ {next} {seen = 1; print "    " $0}')
}
connection_count() { curl -fsS "$emulator_root/_emulator/connections" | jq length; }

step "terraform apply: three connections, each checked before it is saved"
note "orders: password over TLS; reporting: client certificate with an encrypted key;"
note "warehouse: on-premise through the agent. Checks: a direct login from here (pgx) and"
note "integrator.io's own connection test of the unsaved connection."
tf apply -auto-approve -input=false
[[ "$(connection_count)" == 3 ]] || fail "expected 3 connections in the emulator"
note "the emulator now holds $(connection_count) connections"

step "terraform plan again: nothing to change (masked secrets do not cause diffs)"
tf plan -input=false
(cd "$demo/work" && "$terraform" plan -detailed-exitcode -input=false >/dev/null 2>&1) || fail "the plan after apply is not empty"
note "plan is empty (exit code 0)"

step "Mistake 1: a URL where a host name belongs. terraform plan stops it, nothing is sent:"
cat >"$demo/work/mistake_override.tf" <<'TF'
resource "integratorio_postgres_connection" "orders" {
  host = "postgres://db.example.com:5432/orders"
}
TF
if tf plan -input=false; then fail "the plan should have failed"; fi
rm "$demo/work/mistake_override.tf"

step "Mistake 2: a wrong password. The direct check fails at apply, before anything is saved:"
cat >"$demo/work/mistake_override.tf" <<'TF'
resource "integratorio_postgres_connection" "orders" {
  password = "not-the-password"
}
TF
if tf apply -auto-approve -input=false; then fail "the apply should have failed"; fi
rm "$demo/work/mistake_override.tf"
(cd "$demo/work" && "$terraform" plan -detailed-exitcode -input=false >/dev/null 2>&1) ||
	fail "the failed apply changed something: the plan is no longer empty"
note "integrator.io still holds the working settings: the plan is still empty"

step "terraform destroy"
tf destroy -auto-approve -input=false | grep -E 'Destroying|Destruction complete|Destroy complete'
[[ "$(connection_count)" == 0 ]] || fail "destroy left connections behind"
note "the emulator holds $(connection_count) connections"
