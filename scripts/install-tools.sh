#!/usr/bin/env bash
# Installs what this repository needs and that `go` alone does not give: the Terraform and OpenTofu
# CLIs in ./bin, built from pinned Go modules under tools/ (versions fixed by each module's go.sum),
# PostgreSQL server binaries, curl and jq. The Go tools (golangci-lint, tfplugindocs, goreleaser) are
# `tool` directives of tools/go.mod and run with `go tool -modfile=tools/go.mod NAME`, which builds
# each into the Go build cache on first use; naming one here builds it there ahead of time.
# actionlint is the same, from tools/actionlint/go.mod.
#
#   scripts/install-tools.sh                     # everything
#   scripts/install-tools.sh terraform postgres  # a subset
#
# Tools: terraform terraform-1.15 terraform-1.16 tofu tfplugindocs golangci-lint goreleaser actionlint
# postgres utils (curl, jq) terraformrc. terraform-1.16 (bin/terraform-1.16, for resource identity, terraform
# query and actions) and terraform-1.15 (the oldest release whose action syntax the examples show)
# are always built from tools/terraform-1.16 and tools/terraform-1.15, whatever Terraform is on PATH.
# Idempotent: a CLI is rebuilt only when its binary is missing or its stamp (a hash of the tool
# module's go.mod and go.sum plus the Go version) changed; a rebuild reuses the Go build cache.
# The Go builds run at the same time, each logged apart and printed when it ends: on a fresh machine
# each spends minutes downloading modules and linking on one core, which the others' compiles fill.
# One line of output per tool (after the `go: downloading` lines of a build).
#
# Environment:
#   TERRAFORM_FROM_SOURCE=1  build Terraform 1.5.7 into bin/terraform even if one is on PATH.
#   INSTALL_TOOLS_SERIAL=1   run the Go builds one after another, their output as it comes.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/bin"
stamps="$bin/.stamps"
mkdir -p "$bin" "$stamps"

# The tool modules are built on their own, never through a go.work file.
export GOWORK=off
# A CLI configuration file that exists: a missing one makes OpenTofu print a warning on stdout.
export TF_CLI_CONFIG_FILE="$bin/terraformrc"

min_terraform="1.5.0"
all_tools=(terraformrc terraform terraform-1.15 terraform-1.16 tofu tfplugindocs golangci-lint goreleaser actionlint postgres utils)

say() { printf '%-14s %s\n' "$1:" "$2"; }

# Serialise concurrent runs (make -j, two terminals): they would build the same file.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$bin/.install.lock"
	flock 9
fi

go_version="$(go env GOVERSION)"

# stamp_of MODULE_DIR: what a build from that module depends on ("static": the flags below).
stamp_of() {
	cat "$root/$1/go.mod" "$root/$1/go.sum" | sha256sum | cut -c1-16 | tr -d '\n'
	printf ' %s static\n' "$go_version"
}

# build_go_tool NAME MODULE_DIR PACKAGE: go build -o bin/NAME PACKAGE inside MODULE_DIR, if needed,
# static and without debug information, as the CLIs' releases are built (and faster to link).
build_go_tool() {
	local name="$1" dir="$2" pkg="$3" want have="" start
	want="$(stamp_of "$dir")"
	[[ -f "$stamps/$name" ]] && have="$(cat "$stamps/$name")"
	if [[ -x "$bin/$name" && ! -L "$bin/$name" && "$have" == "$want" ]]; then
		say "$name" "up to date (bin/$name from $dir)"
		return 0
	fi
	start=$SECONDS
	rm -f "$stamps/$name"
	if ! (cd "$root/$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin/$name.tmp" "$pkg"); then
		rm -f "$bin/$name.tmp"
		say "$name" "FAILED to build $pkg from $dir" >&2
		return 1
	fi
	rm -f "$bin/$name"
	mv "$bin/$name.tmp" "$bin/$name"
	printf '%s\n' "$want" >"$stamps/$name"
	say "$name" "built bin/$name from $dir in $((SECONDS - start))s"
}

# warm_go_tools NAME...: builds each tool of tools/go.mod (actionlint: tools/actionlint/go.mod)
# into the Go build cache, where `go tool -modfile=... NAME` (the make targets) finds it; one after
# another, as they share most of their packages. Removes a bin/NAME left by older versions of this
# script, which PATH would otherwise find first.
warm_go_tools() {
	local name start modfile
	for name in "$@"; do
		start=$SECONDS
		modfile="tools/go.mod"
		[[ "$name" == actionlint ]] && modfile="tools/actionlint/go.mod"
		rm -f "$bin/$name" "$stamps/$name"
		if ! (cd "$root" && go tool -n -modfile="$root/$modfile" "$name" >/dev/null); then
			say "$name" "FAILED to build the tool $name of $modfile" >&2
			return 1
		fi
		say "$name" "in the Go build cache (go tool -modfile=$modfile $name) after $((SECONDS - start))s"
	done
}

# version_ge A B: A >= B for dotted versions (pre-release suffixes ignored).
version_ge() {
	local a="${1%%-*}" b="${2%%-*}"
	[[ "$(printf '%s\n%s\n' "$b" "$a" | sort -V | head -n1)" == "$b" ]]
}

# terraform_version PATH: prints x.y.z or nothing.
terraform_version() {
	"$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' | head -n1
}

# find_system_terraform: first terraform on PATH outside bin/ whose version >= $min_terraform.
find_system_terraform() {
	local dir candidate version
	local IFS=:
	for dir in $PATH; do
		[[ -z "$dir" ]] && continue
		[[ "$(cd "$dir" 2>/dev/null && pwd -P)" == "$(cd "$bin" && pwd -P)" ]] && continue
		candidate="$dir/terraform"
		[[ -x "$candidate" && ! -d "$candidate" ]] || continue
		version="$(terraform_version "$candidate")"
		if [[ -n "$version" ]] && version_ge "$version" "$min_terraform"; then
			printf '%s %s\n' "$candidate" "$version"
			return 0
		fi
	done
	return 1
}

install_terraform() {
	local found path version
	if [[ "${TERRAFORM_FROM_SOURCE:-}" != "1" ]] && found="$(find_system_terraform)"; then
		path="${found% *}"
		version="${found##* }"
		if [[ ! -L "$bin/terraform" || "$(readlink "$bin/terraform")" != "$path" ]]; then
			rm -f "$bin/terraform"
			ln -s "$path" "$bin/terraform"
		fi
		printf 'system %s\n' "$path" >"$stamps/terraform"
		say terraform "using $path (Terraform $version), linked as bin/terraform"
		return 0
	fi
	build_go_tool terraform tools/terraform github.com/hashicorp/terraform
}

# install_terraform_pinned VERSION: Terraform VERSION (1.15 or 1.16) from tools/terraform-VERSION
# (its go.mod pins the release; its stubs/ stand in for the state backends the module proxy does
# not serve), as bin/terraform-VERSION, plus bin/terraform-VERSION.d/terraform, a link that puts it
# first on a PATH for tools that look up "terraform" (tfplugindocs needs 1.14+ to see list resources
# and actions). Stamped like the others, with the stubs in the stamp.
install_terraform_pinned() {
	local name="terraform-$1" dir="tools/terraform-$1" want have="" start
	want="$( (cat "$root/$dir/go.mod" "$root/$dir/go.sum"; find "$root/$dir/stubs" -type f | sort | xargs cat) |
		sha256sum | cut -c1-16 | tr -d '\n')"
	want+=" $go_version"
	[[ -f "$stamps/$name" ]] && have="$(cat "$stamps/$name")"
	mkdir -p "$bin/$name.d"
	ln -sfn "../$name" "$bin/$name.d/terraform"
	if [[ -x "$bin/$name" && "$have" == "$want" ]]; then
		say "$name" "up to date (bin/$name from $dir)"
		return 0
	fi
	start=$SECONDS
	rm -f "$stamps/$name"
	if ! (cd "$root/$dir" && CGO_ENABLED=0 go build -trimpath \
		-ldflags "-s -w -X 'github.com/hashicorp/terraform/version.dev=no'" \
		-o "$bin/$name.tmp" github.com/hashicorp/terraform); then
		rm -f "$bin/$name.tmp"
		say "$name" "FAILED to build github.com/hashicorp/terraform from $dir" >&2
		return 1
	fi
	mv -f "$bin/$name.tmp" "$bin/$name"
	printf '%s\n' "$want" >"$stamps/$name"
	say "$name" "built bin/$name ($("$bin/$name" version | head -n1)) from $dir in $((SECONDS - start))s"
}

install_postgres() {
	local initdb
	initdb="$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1 || true)"
	if [[ -n "$initdb" ]]; then
		say postgres "found $("$initdb" --version 2>/dev/null | head -n1) at $(dirname "$initdb")"
		return 0
	fi
	if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null 2>&1; then
		say postgres "MISSING: install PostgreSQL server binaries, e.g. 'sudo apt-get install -y postgresql' (Debian/Ubuntu)" >&2
		return 1
	fi
	local start=$SECONDS
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends postgresql >/dev/null
	# The Debian package creates and starts a "main" cluster. Tests start their own throwaway
	# clusters on free ports, so stop it and keep it from starting at boot.
	if command -v pg_lsclusters >/dev/null 2>&1; then
		local ver name
		while read -r ver name _; do
			[[ "$ver" =~ ^[0-9]+$ ]] || continue
			pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1 || true
			if [[ -f "/etc/postgresql/$ver/$name/start.conf" ]]; then
				echo manual >"/etc/postgresql/$ver/$name/start.conf"
			fi
		done < <(pg_lsclusters --no-header 2>/dev/null || true)
	fi
	if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
		systemctl disable --now postgresql >/dev/null 2>&1 || true
	fi
	initdb="$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1 || true)"
	if [[ -z "$initdb" ]]; then
		say postgres "FAILED: apt-get installed postgresql but no initdb under /usr/lib/postgresql/*/bin" >&2
		return 1
	fi
	say postgres "installed $("$initdb" --version | head -n1) with apt-get in $((SECONDS - start))s (its main cluster stopped)"
}

# install_utils: curl and jq, which the demo and the examples check use to talk to the emulator.
install_utils() {
	local missing=() cmd
	for cmd in curl jq; do
		command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
	done
	if ((${#missing[@]} == 0)); then
		say utils "found curl and jq"
		return 0
	fi
	if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null 2>&1; then
		say utils "MISSING: ${missing[*]}: install them, e.g. 'sudo apt-get install -y ${missing[*]}'" >&2
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	say utils "installed ${missing[*]} with apt-get"
}

install_terraformrc() {
	if [[ -f "$bin/terraformrc" ]]; then
		say terraformrc "up to date (bin/terraformrc)"
		return 0
	fi
	cat >"$bin/terraformrc" <<'EOF'
# Terraform/OpenTofu CLI configuration used by this repository's make targets and tests
# (TF_CLI_CONFIG_FILE points here). Intentionally empty: acceptance tests serve the provider
# in-process and need no registry or dev_overrides.
EOF
	say terraformrc "wrote bin/terraformrc"
}

# install_one TOOL: the tools that need no Go build, and the names of the others.
install_one() {
	case "$1" in
	terraformrc) install_terraformrc ;;
	postgres | postgresql) install_postgres ;;
	utils) install_utils ;;
	terraform | terraform-1.15 | terraform-1.16 | tofu | opentofu | tfplugindocs | golangci-lint | goreleaser | actionlint) ;;
	*)
		echo "install-tools.sh: unknown tool '$1' (known: ${all_tools[*]})" >&2
		return 2
		;;
	esac
}

if [[ $# -eq 0 ]]; then
	set -- "${all_tools[@]}"
fi

# Terraform and tfplugindocs are always used with the CLI config file written above.
if [[ ! -f "$bin/terraformrc" ]]; then
	install_terraformrc >/dev/null
fi

status=0
go_tools=()
for tool in "$@"; do
	install_one "$tool" || status=1
	case "$tool" in
	tfplugindocs | golangci-lint | goreleaser | actionlint) go_tools+=("$tool") ;;
	esac
done

# The Go builds: each a job, run in the background unless INSTALL_TOOLS_SERIAL=1.
job_names=()
job_pids=()
job_logs="$bin/.install-logs"
declare -A started=()
start_job() {
	local name="$1"
	shift
	[[ -z "${started[$name]:-}" ]] || return 0
	started[$name]=1
	if [[ "${INSTALL_TOOLS_SERIAL:-}" == "1" ]]; then
		"$@" || status=1
		return 0
	fi
	mkdir -p "$job_logs"
	("$@") >"$job_logs/$name.log" 2>&1 &
	job_names+=("$name")
	job_pids+=("$!")
}
for tool in "$@"; do
	case "$tool" in
	terraform) start_job terraform install_terraform ;;
	terraform-1.15) start_job terraform-1.15 install_terraform_pinned 1.15 ;;
	terraform-1.16) start_job terraform-1.16 install_terraform_pinned 1.16 ;;
	tofu | opentofu) start_job tofu build_go_tool tofu tools/opentofu github.com/opentofu/opentofu/cmd/tofu ;;
	esac
done
if ((${#go_tools[@]} > 0)); then
	start_job go-tools warm_go_tools "${go_tools[@]}"
fi
for i in "${!job_pids[@]}"; do
	wait "${job_pids[$i]}" || status=1
	cat "$job_logs/${job_names[$i]}.log"
done
exit "$status"
