package acctest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
)

// Tests of resource identity, list resources (terraform query) and actions need Terraform 1.14 or
// later. `make tools` builds Terraform 1.16 into bin/terraform-1.16 and 1.15 into bin/terraform-1.15
// (scripts/install-tools.sh); such tests run with 1.16 (UseTerraform116) whatever
// TF_ACC_TERRAFORM_PATH names, and are skipped, saying why, when it is missing, except where
// EnvRequireTerraform116 or EnvRequireTerraform115 is set (CI), which fails them instead.
const (
	// EnvTerraform116 overrides where Terraform 1.16 is (default: bin/terraform-1.16).
	EnvTerraform116 = "INTEGRATORIO_ACC_TERRAFORM_1_16"
	// EnvRequireTerraform116, when set, fails instead of skipping a test that needs Terraform 1.16
	// (or, through UseTerraform115, 1.14+) and cannot find it: the make targets CI runs set it.
	EnvRequireTerraform116 = "INTEGRATORIO_ACC_REQUIRE_TERRAFORM_1_16"
	// EnvTerraform115 overrides where Terraform 1.15 is (default: bin/terraform-1.15).
	EnvTerraform115 = "INTEGRATORIO_ACC_TERRAFORM_1_15"
	// EnvRequireTerraform115 has the meaning of EnvRequireTerraform116 (kept for the CI
	// definitions and scripts that set it).
	EnvRequireTerraform115 = "INTEGRATORIO_ACC_REQUIRE_TERRAFORM_1_15"
)

// Terraform116Path returns bin/terraform-1.16 (or EnvTerraform116), or "" when there is none.
func Terraform116Path() string { return builtTerraform(EnvTerraform116, "terraform-1.16") }

// Terraform115Path returns bin/terraform-1.15 (or EnvTerraform115), or "" when there is none.
func Terraform115Path() string { return builtTerraform(EnvTerraform115, "terraform-1.15") }

func builtTerraform(env, name string) string {
	if p := os.Getenv(env); p != "" {
		return p
	}
	root, err := clirunner.ModuleRoot()
	if err != nil {
		return ""
	}
	p := filepath.Join(root, "bin", name)
	if !fileExists(p) {
		return ""
	}
	return p
}

// UseTerraform116 makes this test's CLI Terraform 1.16 (TF_ACC_TERRAFORM_PATH, for this test
// only: such tests cannot be parallel) and returns its path. It skips the test under OpenTofu,
// which has none of these features, and when Terraform 1.16 is not built, unless
// EnvRequireTerraform116 or EnvRequireTerraform115 is set.
func UseTerraform116(t *testing.T) string {
	t.Helper()
	return useModernTerraform(t, Terraform116Path(), "Terraform 1.16", "bin/terraform-1.16", EnvTerraform116)
}

// UseTerraform115 makes this test's CLI the newest Terraform 1.14+ built: bin/terraform-1.16 when
// it is there, else bin/terraform-1.15 (or what EnvTerraform116 / EnvTerraform115 name), and
// returns its path; it skips and fails as UseTerraform116 does. New tests call UseTerraform116.
func UseTerraform115(t *testing.T) string {
	t.Helper()
	p := Terraform116Path()
	if p == "" {
		p = Terraform115Path()
	}
	return useModernTerraform(t, p, "Terraform 1.14+", "bin/terraform-1.16", EnvTerraform116)
}

func useModernTerraform(t *testing.T, p, what, built, env string) string {
	t.Helper()
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if os.Getenv("TF_ACC_PROVIDER_HOST") == "registry.opentofu.org" || strings.Contains(filepath.Base(cli), "tofu") {
		t.Skip("needs " + what + " (resource identity, terraform query, actions), which OpenTofu does not offer; " +
			"`make testacc` runs it with " + built)
	}
	if p == "" {
		msg := "needs " + what + " (resource identity, terraform query, actions): run `make tools`, which builds " +
			built + ", or set " + env + " to such a binary"
		for _, req := range []string{EnvRequireTerraform116, EnvRequireTerraform115} {
			if os.Getenv(req) != "" {
				t.Fatal(msg + " (" + req + " is set, so this test must run)")
			}
		}
		t.Skip(msg)
	}
	t.Setenv("TF_ACC_TERRAFORM_PATH", p)
	return p
}

// SkipCLIBelow skips a test that runs the CLI itself (not through resource.Test, which has
// tfversion checks) when TF_ACC_TERRAFORM_PATH is older than major.minor, saying why.
func SkipCLIBelow(t *testing.T, major, minor int, why string) {
	t.Helper()
	if version, ok := CLIAtLeast(t, major, minor); !ok {
		t.Skipf("needs Terraform (or OpenTofu) %d.%d or later for %s; %s is %s", major, minor, why, os.Getenv("TF_ACC_TERRAFORM_PATH"), version)
	}
}

// CLIAtLeast tells whether TF_ACC_TERRAFORM_PATH is major.minor or later, with the version it
// reports, for a test that leaves out only the cases an older CLI cannot run.
func CLIAtLeast(t *testing.T, major, minor int) (version string, ok bool) {
	t.Helper()
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	out, err := exec.Command(cli, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", cli, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s version -json: %v", cli, err)
	}
	var gotMajor, gotMinor int
	if _, err := fmt.Sscanf(v.Version, "%d.%d", &gotMajor, &gotMinor); err != nil {
		t.Fatalf("%s reports version %q: %v", cli, v.Version, err)
	}
	return v.Version, gotMajor > major || (gotMajor == major && gotMinor >= minor)
}
