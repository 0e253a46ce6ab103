#!/usr/bin/env bash
# Checks every example the docs and README point to, with the provider built from this tree:
#   1. `terraform fmt -check` and `terraform validate` on every example directory (OpenTofu too);
#   2. the scenarios (examples/scenarios/*, examples/demo) and the guides' worked examples that
#      can run here (examples/guides/*) applied against the emulator and a local PostgreSQL:
#      apply, an empty plan, destroy, and nothing left behind; each guide's own follow-up (a
#      rotation, the agent's configuration file) checked too;
#   3. `terraform test` of examples/modules/connections: its plan tests with mock_provider and no
#      service at all, its apply tests against the emulator.
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
	# A module example's tests live in its tests/ folder; the module itself is validated here.
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
	# A guide's example keeps its variables and provider block beside the resource.
	if [[ -f "$dir/main.tf" ]]; then cp "$dir/main.tf" "$copy/"; fi
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

echo "scenarios and guide examples applied against the emulator and PostgreSQL:"
pg() { jq -r ".$1" "$STACK_PG_SETTINGS"; }
export TF_VAR_postgres_settings_file="$STACK_PG_SETTINGS"
TF_VAR_db="$(jq -c '{host, port, database, username: .password_user, password, ca_pem: ($ca)}' \
	--arg ca "$(cat "$(pg ca_file)")" "$STACK_PG_SETTINGS")"
# The guides' examples take the password and the client key apart, as ephemeral variables.
TF_VAR_db_password="$(pg password)"
TF_VAR_client_certificate="$(jq -c '{username: .cert_user, certificate: $cert}' \
	--arg cert "$(cat "$(pg client_cert_file)")" "$STACK_PG_SETTINGS")"
TF_VAR_client_key="$(jq -c '{key: $key, passphrase: .client_key_passphrase}' \
	--arg key "$(cat "$(pg client_key_encrypted_file)")" "$STACK_PG_SETTINGS")"
export TF_VAR_db TF_VAR_db_password TF_VAR_client_certificate TF_VAR_client_key
# How an agent reaches the database: no password in the object (it is db_password).
agent_db="{host=\"$(pg host)\", port=$(pg port), database=\"$(pg database)\", username=\"$(pg password_user)\"}"
# rotate: bumps the rotation guide's versions; both connections change in place.
rotate() {
	tfc apply -auto-approve -var db_password_version=2 -var client_key_version=2 | tee /dev/stderr |
		grep -q '0 added, 2 changed, 0 destroyed'
}
plan_changes_nothing() {
	local out
	out="$(tfc plan)" || { echo "$out"; return 1; }
	grep -q 'Plan: 0 to add, 0 to change, 0 to destroy.' <<<"$out" && ! grep -q 'Check block assertion failed' <<<"$out" ||
		{ echo "$out"; return 1; }
}
# not_in_state DIR SECRET...: none of the secrets is in DIR's state.
not_in_state() {
	local dir="$1" secret
	shift
	for secret in "$@"; do
		if grep -qF -- "$secret" "$dir/terraform.tfstate"; then echo "a secret is in $dir/terraform.tfstate"; return 1; fi
	done
}
emulator_get() { curl -fsS -H "Authorization: Bearer $INTEGRATORIO_API_TOKEN" "$STACK_BASE_URL$1"; }

for dir in examples/scenarios/* examples/demo examples/guides/rotating-credentials \
	examples/guides/installing-an-agent examples/guides/watching-connections; do
	copy="$work/apply/${dir//\//_}"
	mkdir -p "$copy"
	cp "$dir"/*.tf "$copy/"
	vars=()
	if [[ "$dir" == *on-premise* || "$dir" == *watching-connections* ]]; then
		vars=(-var "db=$agent_db")
	fi
	tfc() { (cd "$copy" && "$STACK_TERRAFORM" "$@" -no-color -input=false "${vars[@]}"); }
	check "$dir: apply" tfc apply -auto-approve
	if [[ "$dir" == *watching-connections* ]]; then
		# A check's data sources are always planned to be read again during apply, so
		# -detailed-exitcode says 2: the plan must change nothing and warn about nothing.
		check "$dir: plan is empty and warns about nothing" plan_changes_nothing
	else
		check "$dir: plan is empty" tfc plan -detailed-exitcode
	fi
	case "$dir" in
	*rotating-credentials)
		# The rotation: bumping the versions sends the password and the key again, in place.
		check "$dir: rotation applies in place" rotate
		check "$dir: no secret in the state" not_in_state "$copy" "$(pg password)" "$(pg client_key_passphrase)"
		;;
	*installing-an-agent)
		agent_id="$(emulator_get /agents | jq -r '.[] | select(.name == "dc1-agent") | ._id')"
		token="$(emulator_get "/agents/$agent_id/display-token" | jq -r .accessToken)"
		check "$dir: the agent's configuration holds its token" \
			grep -qxF "AGENT_TOKEN=$token" "$copy/agent-config/integrator-agent.env"
		check "$dir: the token is in no state" not_in_state "$copy" "$token"
		;;
	esac
	check "$dir: destroy" tfc destroy -auto-approve
	left="$(stack_connection_count)"
	check "$dir: nothing left behind ($left connections)" test "$left" = 0
done

echo "terraform test of examples/modules/connections:"
module="$work/module-test"
mkdir -p "$module"
cp -R examples/modules/connections/. "$module/"
TF_VAR_databases="$(jq -c '{orders: {host, port, database, username: .password_user, ca_pem: $ca}}' \
	--arg ca "$(cat "$(pg ca_file)")" "$STACK_PG_SETTINGS")"
TF_VAR_passwords="$(jq -c '{orders: .password}' "$STACK_PG_SETTINGS")"
# The plan tests get no account at all: no token, no base URL, an unreachable region.
check "terraform test: plan tests with mock_provider, no service" bash -c "cd '$module' && \
	env -u INTEGRATORIO_API_TOKEN -u INTEGRATORIO_BASE_URL INTEGRATORIO_BASE_URL=http://127.0.0.1:1/v1 \
	'$STACK_TERRAFORM' test -no-color -filter=tests/plan.tftest.hcl | tee '$work/terraform-test-plan.log'"
if [[ -x "$tofu" ]]; then
	check "tofu test: plan tests with mock_provider, no service" bash -c "cd '$module' && \
		env -u INTEGRATORIO_API_TOKEN -u INTEGRATORIO_BASE_URL INTEGRATORIO_BASE_URL=http://127.0.0.1:1/v1 \
		'$tofu' test -no-color -filter=tests/plan.tftest.hcl"
fi
check "terraform test: apply tests against the emulator" bash -c "cd '$module' && \
	TF_VAR_databases='$TF_VAR_databases' TF_VAR_passwords='$TF_VAR_passwords' \
	'$STACK_TERRAFORM' test -no-color -filter=tests/apply.tftest.hcl | tee '$work/terraform-test-apply.log'"
left="$(stack_connection_count)"
check "terraform test: nothing left behind ($left connections)" test "$left" = 0
# The testing guide's CI job: its script, with the emulator it installs (here the one built from
# this tree), once without a database (checks off) and once against the throwaway PostgreSQL.
guide_script="examples/guides/testing-without-an-account/run-tests.sh"
for db in none postgres; do
	module="$work/module-test-guide-$db"
	mkdir -p "$module"
	cp -R examples/modules/connections/. "$module/"
	settings=()
	[[ "$db" == postgres ]] && settings=("$STACK_PG_SETTINGS")
	check "$guide_script (database: $db)" env PATH="$work/bin:$PATH" TERRAFORM="$STACK_TERRAFORM" \
		bash "$guide_script" "$module" "${settings[@]}"
done

mkdir -p "$root/bin/logs"
for f in plan apply; do
	[[ -f "$work/terraform-test-$f.log" ]] && cp "$work/terraform-test-$f.log" "$root/bin/logs/"
done
sed 's/^/        /' "$root/bin/logs/terraform-test-plan.log" "$root/bin/logs/terraform-test-apply.log" 2>/dev/null | grep -E 'run "|Success|Failure' || true

if ((failures > 0)); then
	echo "examples: $failures check(s) failed"
	exit 1
fi
echo "examples: all checks passed"
