#!/usr/bin/env bash
# The demo: a real `terraform apply` of three PostgreSQL connections against a local integrator.io
# emulator and a local PostgreSQL server with TLS, with connectivity checks on; then two
# deliberate mistakes, one caught by `terraform plan`, one by a connectivity check at apply;
# then `terraform destroy`. Everything it starts is stopped and removed at the end.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/local-stack.sh
source "$root/scripts/lib/local-stack.sh"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }

cleanup() {
	local status=$?
	stack_stop
	if [[ $status -eq 0 ]]; then
		step "Done: the emulator and PostgreSQL are stopped and .demo/ is removed."
	else
		printf '\nCleaned up after the failure (emulator and PostgreSQL stopped, .demo/ removed).\n' >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Building the provider, starting a throwaway PostgreSQL 15 with TLS and the integrator.io emulator"
note "(the real integrator.io cannot be reached from here; the emulator speaks the same API)"
stack_start "$root/.demo"
note "using $("$STACK_TERRAFORM" version | head -n1)"
note "$(cat "$root/.demo/pg.log")"
note "emulator at $STACK_BASE_URL, with one online agent named dc1-agent"
note "Terraform uses the provider built from this tree (dev_overrides; no registry needed)"

work="$root/.demo/work"
mkdir -p "$work"
cp examples/demo/main.tf "$work/main.tf"
export TF_VAR_postgres_settings_file="$STACK_PG_SETTINGS"

# tf runs terraform in the demo's work directory, indenting its output. The dev_overrides warning
# is expected here and left out.
tf() {
	(cd "$work" && "$STACK_TERRAFORM" "$@" -no-color -compact-warnings 2>&1 |
		awk '/development overrides|To see the full warning notes|^Warnings?:$/ {next}
			!seen && /^ *$/ {next} {seen = 1; print "    " $0}')
}
plan_is_empty() { (cd "$work" && "$STACK_TERRAFORM" plan -detailed-exitcode -input=false >/dev/null 2>&1); }

step "terraform apply: three connections, each checked before it is saved"
note "orders: password over TLS; reporting: client certificate with an encrypted key;"
note "warehouse: on-premise through the agent. Checks: a direct login from here (pgx) and"
note "integrator.io's own connection test of the unsaved connection."
tf apply -auto-approve -input=false
[[ "$(stack_connection_count)" == 3 ]] || stack_fail "expected 3 connections in the emulator"
note "the emulator now holds $(stack_connection_count) connections"

step "terraform plan again: nothing to change (masked secrets do not cause diffs)"
tf plan -input=false
plan_is_empty || stack_fail "the plan after apply is not empty"

step "Mistake 1: a URL where a host name belongs. terraform plan stops it, nothing is sent:"
cat >"$work/mistake_override.tf" <<'TF'
resource "integratorio_postgres_connection" "orders" {
  host = "postgres://db.example.com:5432/orders"
}
TF
if tf plan -input=false; then stack_fail "the plan should have failed"; fi
rm "$work/mistake_override.tf"

step "Mistake 2: a wrong password. The direct check fails at apply, before anything is saved:"
cat >"$work/mistake_override.tf" <<'TF'
resource "integratorio_postgres_connection" "orders" {
  password = "not-the-password"
}
TF
if tf apply -auto-approve -input=false; then stack_fail "the apply should have failed"; fi
rm "$work/mistake_override.tf"
plan_is_empty || stack_fail "the failed apply changed something: the plan is no longer empty"
note "integrator.io still holds the working settings: the plan is still empty"

step "terraform destroy"
tf destroy -auto-approve -input=false | grep -E 'Destroying|Destruction complete|Destroy complete'
[[ "$(stack_connection_count)" == 0 ]] || stack_fail "destroy left connections behind"
note "the emulator holds $(stack_connection_count) connections"
