package provider_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// TestEmulatorCLI_unmaskedSecretsNeverStored plays a service regression: integrator.io returns
// the password, key and passphrase in clear on every read. A refresh and an import warn naming
// the fields, plan no change, and neither the state file nor `show -json` holds any of them,
// above all the password of a password_wo user.
func TestEmulatorCLI_unmaskedSecretsNeverStored(t *testing.T) {
	t.Parallel()
	acctest.SkipCLIBelow(t, 1, 11, "write-only attributes")
	env := acctest.NewEnv(t, emulator.Config{UnmaskSecrets: true})
	cli := newCLI(t, env)
	const password = "wo-secret-Qx81-never-in-state"
	cli.Env = append(cli.Env, "TF_VAR_password="+password)
	writeFile(t, cli.Dir, "main.tf", `
terraform {
  required_providers {
    integratorio = { source = "`+clirunner.ProviderSource+`" }
  }
}
provider "integratorio" {}
variable "password" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "integratorio_postgres_connection" "wo" {
  name                = "unmasked"
  host                = "db.example.com"
  database            = "orders"
  username            = "svc"
  password_wo         = var.password
  password_wo_version = 1
  use_ssl             = true
  connectivity_check  = { direct = false, via_api = false }
}
`)
	ctx := t.Context()
	run := func(args ...string) clirunner.Result {
		t.Helper()
		r := cli.Run(ctx, args...)
		if r.Err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), r.Err, r.Output())
		}
		return r
	}
	run("apply", "-auto-approve", "-no-color")
	plan := run("plan", "-no-color", "-detailed-exitcode") // exit 0: no change
	out := strings.Join(strings.Fields(plan.Output()), " ")
	for _, want := range []string{"Warning: integrator.io Returned a Secret Unmasked", "rdbms.password in clear text",
		"The provider did not record it"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, plan.Output())
		}
	}
	id := resourceID(t, run("show", "-json").Stdout, "integratorio_postgres_connection.wo")
	run("state", "rm", "integratorio_postgres_connection.wo")
	imported := run("import", "-no-color", "integratorio_postgres_connection.wo", id)
	if !strings.Contains(imported.Output(), "Returned a Secret Unmasked") {
		t.Errorf("import does not warn of the unmasked password:\n%s", imported.Output())
	}
	shown := run("show", "-json")
	state, err := os.ReadFile(filepath.Join(cli.Dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	for where, text := range map[string]string{"state file": string(state), "show -json": shown.Stdout, "plan": plan.Output(), "import": imported.Output()} {
		if strings.Contains(text, password) {
			t.Errorf("the password returned unmasked by integrator.io is in the %s", where)
		}
	}
}
