#!/usr/bin/env bash
# The CI sequence (`make ci` calls it with CI_PHASES): runs each phase, a make target of its own,
# one after another, prints how long each took, stops at the first that fails, and ends with the
# count of top-level test results in the testacc, testacc-tofu and test-upgrade logs.
#
#   scripts/ci.sh PHASE...     # what `make ci` runs
#   scripts/ci.sh --summary    # the count alone (`make ci-summary`)
#
# Environment: MAKE (the make to run each phase with), TESTARGS (passed to every phase; `make ci`
# gives -v, which the count needs), LOG_DIR (where the test logs are; default bin/logs).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log_dir="${LOG_DIR:-$root/bin/logs}"

# summary: the top-level --- PASS/FAIL/SKIP lines of the testacc, testacc-tofu and test-upgrade logs.
summary() {
	local logs=() log passed failed skipped
	for log in "$log_dir/testacc.log" "$log_dir/testacc-tofu.log" "$log_dir/test-upgrade.log"; do
		[[ -f "$log" ]] && logs+=("$log")
	done
	if ((${#logs[@]} == 0)); then
		echo "ci: no test logs"
		return 0
	fi
	passed=$(cat "${logs[@]}" | grep -c '^--- PASS' || true)
	failed=$(cat "${logs[@]}" | grep -c '^--- FAIL' || true)
	skipped=$(cat "${logs[@]}" | grep -c '^--- SKIP' || true)
	echo "ci: $passed passed, $failed failed, $skipped skipped"
}

if [[ "${1:-}" == "--summary" ]]; then
	summary
	exit 0
fi
[[ $# -gt 0 ]] || { echo "usage: scripts/ci.sh PHASE... | --summary" >&2; exit 2; }

make_cmd="${MAKE:-make}"
testargs="${TESTARGS:--v}"
rm -f "$log_dir/testacc.log" "$log_dir/testacc-tofu.log" "$log_dir/test-upgrade.log"

ci_start=$SECONDS
timings=""
for phase in "$@"; do
	echo "==> [ci] $phase"
	start=$SECONDS
	if ! "$make_cmd" --no-print-directory -C "$root" "$phase" TESTARGS="$testargs"; then
		echo "==> [ci] $phase FAILED after $((SECONDS - start))s"
		printf '%s' "$timings"
		exit 1
	fi
	timings+="$(printf '    %-22s %4ss' "$phase" $((SECONDS - start)))"$'\n'
	echo "==> [ci] $phase done in $((SECONDS - start))s"
done
echo "==> [ci] all phases passed in $((SECONDS - ci_start))s:"
printf '%s' "$timings"
summary
