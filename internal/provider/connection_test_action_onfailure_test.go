package provider_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// onFailureConfig is a connection saved without checks whose create and update run the
// connection test action with the given on_failure (Terraform 1.16), logging in with var.password.
func onFailureConfig(pg acctest.PG, onFailure string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    integratorio = { source = %[1]q }
  }
}
provider "integratorio" {}

variable "password" {
  type      = string
  sensitive = true
}
variable "name" {
  type = string
}

resource "integratorio_postgres_connection" "test" {
  name     = var.name
  host     = %[2]q
  port     = %[3]d
  database = %[4]q
  username = %[5]q
  password = var.password
  use_ssl  = true
  ssl_ca   = %[6]q
  connectivity_check = { direct = false, via_api = false }
  lifecycle {
    action_trigger {
      events     = [after_create, after_update]
      actions    = [action.integratorio_connection_test.test]
      on_failure = %[7]s
    }
  }
}

action "integratorio_connection_test" "test" {
  config {
    connection_id = caller.id
  }
}
`, clirunner.ProviderSource, pg.Host, pg.Port, pg.Database, pg.User, pg.CA, onFailure)
}

// The action under action_trigger with each on_failure mode, through the real Terraform 1.16: a
// test that fails after an update stops the apply with halt and taint (Terraform taints only after
// a create) and is a warning under continue; a test that fails after a create taints the
// connection under taint; a passing test says so.
func TestEmulatorConnectionTestAction_onFailure(t *testing.T) {
	tf := acctest.UseTerraform116(t)
	srv := acctest.Postgres(t)
	pg := acctest.PG{Host: srv.Host, Port: srv.Port, Database: srv.Database, User: srv.PasswordUser, Password: srv.Password, CA: srv.CA}
	const wrong = "tf-acc-not-the-password"
	for _, mode := range []string{"halt", "taint", "continue"} {
		t.Run(mode, func(t *testing.T) {
			env := acctest.NewEnv(t, emulator.Config{})
			cli := newCLI(t, env)
			cli.Binary = tf
			writeFile(t, cli.Dir, "main.tf", onFailureConfig(pg, mode))
			apply := func(name, password string) clirunner.Result {
				t.Helper()
				r := cli.Run(t.Context(), "apply", "-no-color", "-auto-approve", "-var", "name="+name, "-var", "password="+password)
				t.Logf("on_failure = %s, terraform apply (%s):\n%s", mode, name, r.Output())
				if strings.Contains(r.Output(), pg.Password) || strings.Contains(r.Output(), wrong) {
					t.Error("a password appears in the output")
				}
				return r
			}
			passed := apply("orders", pg.Password)
			if passed.Err != nil {
				t.Fatalf("a create whose test passes failed: %v", passed.Err)
			}
			if want := "passed"; !strings.Contains(passed.Stdout, `integrator.io's test of connection "orders"`) || !strings.Contains(passed.Stdout, want) {
				t.Errorf("a passing test does not say so:\n%s", passed.Stdout)
			}

			failed := apply("orders-renamed", wrong)
			failure := acctest.ErrorText("Connection Test Failed", "failed (login refused)")
			switch mode {
			case "halt", "taint":
				if failed.Err == nil || !failure.MatchString(failed.Output()) {
					t.Errorf("a failing test after an update does not stop the apply with the failure:\n%s", failed.Output())
				}
			case "continue":
				if failed.Err != nil || !strings.Contains(failed.Output(), "Warning: Connection Test Failed") {
					t.Errorf("a failing test after an update is not a warning of an apply that finishes:\n%s", failed.Output())
				}
			}
			state := cli.Run(t.Context(), "show", "-no-color")
			if strings.Contains(state.Stdout, "tainted") {
				t.Errorf("a failing test after an update tainted the connection:\n%s", state.Stdout)
			}

			if mode != "taint" {
				return
			}
			// A create whose test fails: the connection is tainted, so the next apply replaces it.
			if r := cli.Run(t.Context(), "destroy", "-no-color", "-auto-approve", "-var", "name=x", "-var", "password=x"); r.Err != nil {
				t.Fatal(r.Output())
			}
			created := apply("orders", wrong)
			if created.Err == nil || !failure.MatchString(created.Output()) {
				t.Errorf("a failing test after a create does not fail the apply:\n%s", created.Output())
			}
			plan := cli.Run(t.Context(), "plan", "-no-color", "-var", "name=orders", "-var", "password="+wrong)
			if !strings.Contains(plan.Stdout, "is tainted, so must be replaced") {
				t.Errorf("after a failing test at create the connection is not tainted:\n%s", plan.Output())
			}
		})
	}
}
