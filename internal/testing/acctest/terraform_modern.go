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
// later. `make tools` builds Terraform 1.15 into bin/terraform-1.15 (scripts/install-tools.sh);
// such tests run with it whatever TF_ACC_TERRAFORM_PATH names, and are skipped, saying why, when
// it is missing, except where EnvRequireTerraform115 is set (CI), which fails them instead.
const (
	// EnvTerraform115 overrides where Terraform 1.14+ is (default: bin/terraform-1.15).
	EnvTerraform115 = "INTEGRATORIO_ACC_TERRAFORM_1_15"
	// EnvRequireTerraform115, when set, fails instead of skipping a test that needs Terraform 1.14+
	// and cannot find it: the make targets CI runs set it.
	EnvRequireTerraform115 = "INTEGRATORIO_ACC_REQUIRE_TERRAFORM_1_15"
)

// Terraform115Path returns the Terraform 1.14+ binary tests of identity, query and actions use, or
// "" when there is none.
func Terraform115Path() string {
	if p := os.Getenv(EnvTerraform115); p != "" {
		return p
	}
	root, err := clirunner.ModuleRoot()
	if err != nil {
		return ""
	}
	p := filepath.Join(root, "bin", "terraform-1.15")
	if !fileExists(p) {
		return ""
	}
	return p
}

// UseTerraform115 makes this test's CLI Terraform 1.15 (TF_ACC_TERRAFORM_PATH, for this test
// only: such tests cannot be parallel) and returns its path. It skips the test under OpenTofu,
// which has none of these features, and when no such Terraform is built, unless
// EnvRequireTerraform115 is set.
func UseTerraform115(t *testing.T) string {
	t.Helper()
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if os.Getenv("TF_ACC_PROVIDER_HOST") == "registry.opentofu.org" || strings.Contains(filepath.Base(cli), "tofu") {
		t.Skip("needs Terraform 1.14+ (resource identity, terraform query, actions), which OpenTofu does not offer; " +
			"`make testacc` runs it with bin/terraform-1.15")
	}
	p := Terraform115Path()
	if p == "" {
		msg := "needs Terraform 1.14+ (resource identity, terraform query, actions): run `make tools`, which builds " +
			"bin/terraform-1.15, or set " + EnvTerraform115 + " to such a binary"
		if os.Getenv(EnvRequireTerraform115) != "" {
			t.Fatal(msg + " (" + EnvRequireTerraform115 + " is set, so this test must run)")
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
	if gotMajor < major || (gotMajor == major && gotMinor < minor) {
		t.Skipf("needs Terraform (or OpenTofu) %d.%d or later for %s; %s is %s", major, minor, why, cli, v.Version)
	}
}
