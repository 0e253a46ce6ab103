#!/usr/bin/env bash
# Proves the emulator's documented install command works for this tree, as a user runs it:
#   go install github.com/integratorio/terraform-provider-integratorio/internal/cmd/integratorio-emulator@<version>
# This tree is served as a module version from a local file proxy (the zip a module proxy would
# make: every tracked file, nested modules left out), its dependencies from the Go module cache
# (also a file proxy, already verified when it was filled, hence GOSUMDB=off), into an empty
# GOMODCACHE and GOBIN: no network, nothing shared touched.
# A file name a module zip refuses (such as a Windows-reserved "nul") fails here, as it would
# for every user of the published module.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
module="$(go list -m)"
version="v0.0.0-$(date -u +%Y%m%d%H%M%S)-$(git rev-parse --short=12 HEAD)"
cache="$(go env GOMODCACHE)/cache/download"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

dir="$work/proxy/$module/@v"
mkdir -p "$dir"
echo "$version" >"$dir/list"
printf '{"Version":"%s","Time":"%s"}\n' "$version" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$dir/$version.info"
cp go.mod "$dir/$version.mod"
python3 - "$module" "$version" "$dir/$version.zip" <<'PY'
import os, subprocess, sys, zipfile
module, version, out = sys.argv[1:]
files = subprocess.check_output(["git", "ls-files", "-co", "--exclude-standard"], text=True).split("\n")
files = [f for f in files if f and os.path.isfile(f)]
nested = [os.path.dirname(f) + "/" for f in files if os.path.basename(f) == "go.mod" and f != "go.mod"]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for f in files:
        if not any(f.startswith(n) for n in nested):
            z.write(f, f"{module}@{version}/{f}")
PY

(cd "$work" && env GOWORK=off GOFLAGS=-mod=mod GOMODCACHE="$work/modcache" GOBIN="$work/bin" \
	GOPROXY="file://$work/proxy,file://$cache" GOSUMDB=off \
	go install "$module/internal/cmd/integratorio-emulator@$version" 2>&1 | grep -v '^go: downloading' || true)
[[ -x "$work/bin/integratorio-emulator" ]] || { echo "emulator install: go install failed"; exit 1; }
help="$("$work/bin/integratorio-emulator" -h 2>&1)"
grep -q "an EMULATOR of the integrator.io REST API" <<<"$help" || { echo "the installed emulator's -h: $help"; exit 1; }
echo "emulator install: go install $module/internal/cmd/integratorio-emulator@<version> works (tried as $version)"
