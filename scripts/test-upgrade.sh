#!/usr/bin/env bash
# The upgrade suite (`make test-upgrade REV=<revision>`): builds the provider of an earlier
# revision from this clone's git history (no network beyond the Go module proxy, which its go.mod
# may need), then runs internal/testing/upgradetest against an emulator and a throwaway PostgreSQL
# (scripts/testacc.sh): that provider applies a realistic configuration with each CLI of
# INTEGRATORIO_UPGRADE_CLIS, and this tree's must then plan no change, with and without -refresh=false.
#
#   scripts/test-upgrade.sh REV [GO TEST ARGS...]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ $# -gt 0 && -n "$1" ]] || { echo "usage: scripts/test-upgrade.sh REV [GO TEST ARGS...]" >&2; exit 2; }
rev="$1"
shift
fail() { printf 'test-upgrade: %s\n' "$*" >&2; exit 1; }

commit="$(git -C "$root" rev-parse --verify --quiet "$rev^{commit}")" ||
	fail "$rev is not a commit of this clone (a shallow clone lacks history: fetch with --unshallow or --depth)"
short="$(git -C "$root" rev-parse --short "$commit")"
label="$rev"
[[ "$short" == "$rev"* || "$rev" == "$short"* ]] || label="$rev ($short)"

work="$(mktemp -d "${TMPDIR:-/tmp}/integratorio-upgrade.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/old"
git -C "$root" archive "$commit" | tar -x -C "$work/src"
start=$SECONDS
(cd "$work/src" && GOWORK=off GOFLAGS=-mod=readonly go build \
	-ldflags "-X main.version=upgrade-from-$short -X main.commit=$commit" \
	-o "$work/old/terraform-provider-integratorio" .) || fail "building the provider of $rev ($short)"
echo "test-upgrade: built the provider of $label in $((SECONDS - start))s"

cd "$root"
INTEGRATORIO_UPGRADE_OLD_PROVIDER="$work/old/terraform-provider-integratorio" \
	INTEGRATORIO_UPGRADE_OLD_REVISION="$label" INTEGRATORIO_UPGRADE_REQUIRE=1 TF_ACC=1 \
	bash scripts/testacc.sh go test ./internal/testing/upgradetest "$@"
