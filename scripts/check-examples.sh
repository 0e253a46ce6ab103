#!/usr/bin/env bash
# Checks every example the docs and README point to, with the provider built from this tree:
#   1. `terraform fmt -check` and `terraform validate` on every example directory (OpenTofu too);
#   2. the scenarios (examples/scenarios/*, examples/demo) applied against the emulator and a
#      local PostgreSQL: apply, an empty plan, destroy, and nothing left behind.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/local-stack.sh
source "$root/scripts/lib/local-stack.sh"
trap stack_stop EXIT
trap 'exit 130' INT TERM

work="$root/.examples-check"
stack_start "$work"
tofu="$root/bin/tofu"

# Examples that are fragments (resource.tf and the like) get the required_providers block the
# docs leave out, so the source address resolves to the local build.
providers_tf='terraform {
  required_providers {
    integratorio = { source = "integratorio/integratorio" }
  }
}'

failures=0
check() { # check NAME COMMAND...: runs COMMAND quietly, printing its output only on failure
	local name="$1" out
	shift
	if out="$("$@" 2>&1)"; then
		printf '  ok    %s\n' "$name"
	else
		printf '  FAIL  %s\n%s\n' "$name" "$out" | sed 's/^/        /'
		failures=$((failures + 1))
	fi
}

echo "fmt and validate:"
check "terraform fmt -check -recursive examples/" "$STACK_TERRAFORM" fmt -check -recursive examples/
terraform_115="$root/bin/terraform-1.15"
terraform_116="$root/bin/terraform-1.16"
while IFS= read -r dir; do
	copy="$work/validate/${dir//\//_}"
	mkdir -p "$copy"
	cp "$dir"/*.tf "$copy/"
	# Import by identity needs Terraform 1.12+, and a resource takes one import block: checked
	# on its own below.
	rm -f "$copy/import-by-identity.tf"
	# An example that feeds another provider (a secret store) cannot be validated without that
	# provider, which would be downloaded: fmt (above) is all it gets.
	if grep -q 'resource "aws_' "$copy"/*.tf; then
		printf '  skip  validate %s (uses a provider from a registry)\n' "$dir"
		continue
	fi
	grep -q required_providers "$copy"/*.tf || printf '%s\n' "$providers_tf" >"$copy/providers.tf"
	# Actions (and list resources) need Terraform 1.14+, which OpenTofu does not offer. An action
	# triggered by the resource it tests names it `caller` on Terraform 1.16, which 1.14-1.15 refuse;
	# the variant for those (terraform-1.14-1.15/) names the resource, a cycle on 1.16. Each is
	# validated with the CLI that accepts it.
	if grep -q '^action "' "$copy"/*.tf; then
		if grep -q 'caller\.' "$copy"/*.tf; then
			check "terraform-1.16 validate $dir" bash -c "cd '$copy' && '$terraform_116' validate -no-color"
		else
			check "terraform-1.15 validate $dir" bash -c "cd '$copy' && '$terraform_115' validate -no-color"
		fi
		continue
	fi
	check "terraform validate $dir" bash -c "cd '$copy' && '$STACK_TERRAFORM' validate -no-color"
	if [[ -x "$tofu" ]]; then
		check "tofu validate $dir" bash -c "cd '$copy' && '$tofu' validate -no-color"
	fi
done < <(find examples -name '*.tf' -printf '%h\n' | sort -u)
while IFS= read -r file; do
	dir="$(dirname "$file")"
	copy="$work/validate-identity/${dir//\//_}"
	mkdir -p "$copy"
	cp "$dir/resource.tf" "$file" "$copy/"
	grep -q required_providers "$copy"/*.tf || printf '%s\n' "$providers_tf" >"$copy/providers.tf"
	check "terraform-1.15 validate $file" bash -c "cd '$copy' && '$terraform_115' validate -no-color"
	check "terraform-1.16 validate $file" bash -c "cd '$copy' && '$terraform_116' validate -no-color"
done < <(find examples -name 'import-by-identity.tf' | sort)
# List resources (terraform query, Terraform 1.14+): each .tfquery.hcl beside a provider block.
while IFS= read -r dir; do
	copy="$work/validate-query/${dir//\//_}"
	mkdir -p "$copy"
	cp "$dir"/*.tfquery.hcl "$copy/"
	printf '%s\nprovider "integratorio" {}\n' "$providers_tf" >"$copy/providers.tf"
	check "terraform-1.15 validate -query $dir" bash -c "cd '$copy' && '$terraform_115' validate -query -no-color"
	check "terraform-1.16 validate -query $dir" bash -c "cd '$copy' && '$terraform_116' validate -query -no-color"
done < <(find examples -name '*.tfquery.hcl' -printf '%h\n' | sort -u)

echo "scenarios applied against the emulator and PostgreSQL:"
pg() { jq -r ".$1" "$STACK_PG_SETTINGS"; }
export TF_VAR_postgres_settings_file="$STACK_PG_SETTINGS"
TF_VAR_db="$(jq -c '{host, port, database, username: .password_user, password, ca_pem: ($ca)}' \
	--arg ca "$(cat "$(pg ca_file)")" "$STACK_PG_SETTINGS")"
export TF_VAR_db
for dir in examples/scenarios/* examples/demo; do
	copy="$work/apply/${dir//\//_}"
	mkdir -p "$copy"
	cp "$dir"/*.tf "$copy/"
	vars=()
	if [[ "$dir" == *on-premise* ]]; then
		vars=(-var "db={host=\"$(pg host)\", port=$(pg port), database=\"$(pg database)\", username=\"$(pg password_user)\"}"
			-var "db_password=$(pg password)")
	fi
	tfc() { (cd "$copy" && "$STACK_TERRAFORM" "$@" -no-color -input=false "${vars[@]}"); }
	check "$dir: apply" tfc apply -auto-approve
	check "$dir: plan is empty" tfc plan -detailed-exitcode
	check "$dir: destroy" tfc destroy -auto-approve
	left="$(stack_connection_count)"
	check "$dir: nothing left behind ($left connections)" test "$left" = 0
done

if ((failures > 0)); then
	echo "examples: $failures check(s) failed"
	exit 1
fi
echo "examples: all checks passed"
