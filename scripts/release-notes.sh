#!/usr/bin/env bash
# Prints the CHANGELOG.md section of a version, without its heading: the notes of its GitHub release
# (`make release-notes`, which the release workflow and `make release-check` hand to GoReleaser as
# --release-notes).
#
#   scripts/release-notes.sh [VERSION] [CHANGELOG]   # VERSION: X.Y.Z; default the top section
#
# A section starts at "## VERSION (Month D, YYYY)" ("## Unreleased" for the next one) and ends at the
# next "## ". It fails, naming what to fix, when the section is missing, when a released version's
# heading has no date, or when the section has no "UPGRADE NOTES:" part: every version says what
# someone upgrading to it must do, if only "None".
set -euo pipefail

# --self-test: the rules above on small changelogs of its own (make release-notes runs it first),
# so a rule that stopped refusing anything fails.
if [[ "${1:-}" == "--self-test" ]]; then
	work="$(mktemp -d)"
	trap 'rm -rf "$work"' EXIT
	expect() { # expect WANT VERSION CHANGELOG-TEXT: WANT is in the output's first line (notes or error)
		printf '%b' "$3" >"$work/CHANGELOG.md"
		local out
		out="$(bash "${BASH_SOURCE[0]}" "$2" "$work/CHANGELOG.md" 2>&1)" || true
		if [[ "$(head -n1 <<<"$out")" != *"$1"* ]]; then
			echo "release-notes --self-test: for version '$2' got: $out; want: $1" >&2
			exit 1
		fi
	}
	ok='## Unreleased\n\nUPGRADE NOTES:\n\n* a\n\n## 1.2.0 (May 4, 2027)\n\nUPGRADE NOTES:\n\n* None.\n\nFEATURES:\n\n* b\n'
	expect 'UPGRADE NOTES:' '' "$ok"
	expect 'UPGRADE NOTES:' 1.2.0 "$ok"
	expect 'has no section "## 1.3.0' 1.3.0 "$ok"
	expect 'is not "## 1.2.0 (Month D, YYYY)"' 1.2.0 '## 1.2.0 (Unreleased)\n\nUPGRADE NOTES:\n\n* a\n'
	expect 'has no "UPGRADE NOTES:" part' 1.2.0 '## 1.2.0 (May 4, 2027)\n\nFEATURES:\n\n* b\n\n## 1.1.0 (May 1, 2027)\n\nUPGRADE NOTES:\n'
	echo "release-notes: self-test passed" >&2
	exit 0
fi

version="${1:-}"
changelog="${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/CHANGELOG.md}"
version="${version#v}"

section="$(awk -v want="$version" '
	/^## / {
		if (found) exit
		heading = $0
		v = $2
		if (want == "" || v == want) { found = 1; print heading; next }
	}
	found { print }
' "$changelog")"

if [[ -z "$section" ]]; then
	echo "release-notes: $changelog has no section \"## $version (Month D, YYYY)\"; rename \"## Unreleased\" to it before tagging (RELEASING.md)" >&2
	exit 1
fi
heading="$(head -n1 <<<"$section")"
if [[ -n "$version" && ! "$heading" =~ ^##\ [0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?\ \([A-Z][a-z]+\ [0-9]{1,2},\ [0-9]{4}\)$ ]]; then
	echo "release-notes: the heading \"$heading\" of $changelog is not \"## $version (Month D, YYYY)\" with the release date (RELEASING.md)" >&2
	exit 1
fi
if ! grep -qx 'UPGRADE NOTES:' <<<"$section"; then
	echo "release-notes: the section \"$heading\" of $changelog has no \"UPGRADE NOTES:\" part; say what an upgrade needs, or \"* None.\" (RELEASING.md)" >&2
	exit 1
fi
# The body: the heading and the blank lines after it left out.
tail -n +2 <<<"$section" | sed '/./,$!d'
