#!/usr/bin/env bash
# The speed benchmark (`make bench`): the provider against Terraform's own floor, with the real
# Terraform CLI, an in-process integrator.io emulator with a fixed per-request latency, and a
# throwaway PostgreSQL with TLS. See internal/cmd/integratorio-bench for what is measured.
#
#   scripts/bench.sh                          # the defaults below: about 25 minutes
#   scripts/bench.sh -n 10,100 -runs 1        # any integratorio-bench flag overrides them
#   scripts/bench.sh -n 500,2000 -baseline 9673fa1 -gc 'GOGC=100;GOGC=200'
#                                             # an older commit's provider, other collector settings
#   BENCH_JSON=out.json scripts/bench.sh      # where the JSON goes (default bin/bench.json)
#
# It installs only what `make test` installs (Terraform, PostgreSQL server binaries) and prints a
# table and the targets, met or missed; it fails only when a run cannot be carried out.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/install-tools.sh terraformrc terraform postgres
terraform="$root/bin/terraform"
[[ -x "$terraform" ]] || terraform="$(command -v terraform)" || { echo "bench: no Terraform CLI" >&2; exit 1; }

json="${BENCH_JSON:-$root/bin/bench.json}"
start=$SECONDS
# Defaults first: a flag given on the command line comes later and wins.
go run ./internal/cmd/integratorio-bench \
	-n 10,100,500,2000 -runs 3 -latency 50ms -parallelism 10 \
	-terraform "$terraform" -json "$json" "$@"
echo "bench: finished in $((SECONDS - start))s"
