#!/usr/bin/env bash
# Runs every Fuzz target of the module for FUZZTIME each (`make fuzz` calls it), one after another,
# each logged to LOG_DIR/fuzz-NAME.log, then prints one line per target (result, executions, seconds),
# also appended to LOG_DIR/fuzz.log. Fails if any target failed.
#
# Environment: FUZZTIME (default 60s), LOG_DIR (default bin/logs).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
fuzztime="${FUZZTIME:-60s}"
log_dir="${LOG_DIR:-$root/bin/logs}"
mkdir -p "$log_dir"
: >"$log_dir/fuzz.log"

# `go test -list` prints a package's matching names, then "ok <package> ...": pair each name
# with the package that follows it.
targets="$(go test -list '^Fuzz' ./... | awk '/^Fuzz/ { names = names " " $1; next }
	/^ok/ { n = split(names, a, " "); for (i = 1; i <= n; i++) print $2, a[i]; names = ""; next }
	{ names = "" }')"
if [[ -z "$targets" ]]; then
	echo "fuzz: no Fuzz targets found"
	exit 0
fi

failed=0
summary=""
while read -r pkg name; do
	echo "==> fuzz $pkg $name for $fuzztime"
	start=$SECONDS
	if go test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$log_dir/fuzz-$name.log"; then
		result=ok
	else
		result=FAILED
		failed=1
	fi
	execs="$(grep -o 'execs: [0-9]*' "$log_dir/fuzz-$name.log" | tail -1 | cut -d' ' -f2 || true)"
	summary+="$(printf '%-24s %-8s %10s execs %4ss' "$name" "$result" "${execs:-?}" $((SECONDS - start)))"$'\n'
done <<<"$targets"
printf '%s' "$summary" | tee -a "$log_dir/fuzz.log"
exit "$failed"
