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
