#!/usr/bin/env bash
# Checks the GitHub Actions workflows, which cannot run here (`make actions-check`, a CI phase):
#   1. actionlint (pinned in tools/actionlint/go.mod): workflow syntax, expressions and contexts,
#      job needs, matrix values, runner labels, the inputs of well-known actions;
#   2. the pinning rule of RELEASING.md: every action a workflow uses (other than ./local ones)
#      names a full 40-character commit, followed by a comment naming the release it is
#      ("uses: actions/checkout@<sha> # v7.0.0"), so a moved tag cannot change what runs and
#      Dependabot (.github/dependabot.yml) can still propose upgrades.
# Before checking the repository's workflows it checks two broken ones of its own and fails unless
# both problems are reported, so a check that has stopped finding anything fails too.
#
#   scripts/check-actions.sh [DIR]   # DIR: where the workflows are (default .github/workflows)
#
# actionlint's shellcheck and pyflakes integrations are off: whether they ran would depend on what
# the machine has installed. Every run: step of these workflows is a make target.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
actionlint=(env GOWORK=off go tool -modfile="$root/tools/actionlint/go.mod" actionlint -shellcheck= -pyflakes= -no-color)

# pins DIR: prints each `uses:` of DIR's workflows that breaks the pinning rule, as file:line: text.
pins() {
	local file n line ref
	for file in "$1"/*.yml "$1"/*.yaml; do
		[[ -f "$file" ]] || continue
		n=0
		while IFS= read -r line; do
			n=$((n + 1))
			[[ "$line" =~ ^[[:space:]-]*uses:[[:space:]]*([^[:space:]#]+) ]] || continue
			ref="${BASH_REMATCH[1]}"
			ref="${ref//\"/}"
			ref="${ref//\'/}"
			[[ "$ref" == ./* || "$ref" == docker://* ]] && continue
			if [[ ! "$ref" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$ ]]; then
				echo "$file:$n: $ref is not pinned to a full commit SHA"
			elif [[ ! "$line" =~ \#[[:space:]]*v[0-9]+(\.[0-9]+)*[[:space:]]*$ ]]; then
				echo "$file:$n: $ref has no '# vX.Y.Z' comment naming its release"
			fi
		done <"$file"
	done
}

# check DIR: both checks over DIR; prints what they find and fails if they find anything.
check() {
	local dir="$1" status=0 found
	if ! (cd "$root" && "${actionlint[@]}" "$dir"/*.y*ml); then
		status=1
	fi
	found="$(pins "$dir")"
	if [[ -n "$found" ]]; then
		echo "$found"
		status=1
	fi
	return "$status"
}

self_test() {
	local work out
	work="$(mktemp -d)"
	trap 'rm -rf "$work"' RETURN
	mkdir -p "$work/.github/workflows"
	cat >"$work/.github/workflows/broken.yml" <<'EOF'
on: push
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ matrix.missing }}"
EOF
	if out="$(check "$work/.github/workflows" 2>&1)"; then
		echo "check-actions: the self-test's broken workflow passed:" >&2
		echo "$out" >&2
		return 1
	fi
	if ! grep -q 'property "missing" is not defined' <<<"$out" || ! grep -q 'actions/checkout@v4 is not pinned to a full commit SHA' <<<"$out"; then
		echo "check-actions: the self-test did not report both problems of its broken workflow:" >&2
		echo "$out" >&2
		return 1
	fi
}

dir="${1:-$root/.github/workflows}"
[[ "$dir" == /* ]] || dir="$PWD/$dir"
self_test
check "$dir"
echo "check-actions: $(ls "$dir"/*.y*ml | wc -l) workflows pass actionlint $("${actionlint[@]}" -version | head -n1), every action pinned to a commit"
