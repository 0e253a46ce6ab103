package provider_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// actionTriggered is a connection saved without any check whose every create and update runs the
// integratorio_connection_test action.
func actionTriggered(pg acctest.PG, name string) string {
	return fmt.Sprintf(`
resource "integratorio_postgres_connection" "test" {
%s
  connectivity_check = { direct = false, via_api = false }
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.integratorio_connection_test.test]
    }
  }
}

action "integratorio_connection_test" "test" {
  config {
    connection_id = caller.id # Terraform 1.16: naming the resource that triggers it is a cycle
  }
}
`, livePGBody(pg, name, ""))
}

// The action run after a create reports integrator.io's failed test of a connection saved with a
// wrong password (which marks it offline); after the password is fixed, the action run after the
// update passes and the connection is online again. Terraform 1.16 (acctest.UseTerraform116).
func TestAccConnectionTestAction_offlineToOnline(t *testing.T) {
	acctest.UseTerraform116(t)
	tg := acctest.Live(t)
	pg := acctest.LivePG(t)
	name := acctest.RandomName("action")
	wrong := pg
	wrong.Password = "tf-acc-not-the-password"
	offline := func(want bool) func(*client.Connection) error {
		return func(c *client.Connection) error {
			if c.Offline != want {
				return fmt.Errorf("integrator.io holds offline = %t, want %t", c.Offline, want)
			}
			return nil
		}
	}
	c := accCase(t, tg,
		resource.TestStep{
			Config:      tg.ProviderConfig() + actionTriggered(wrong, name),
			ExpectError: acctest.ErrorText("Connection Test Failed", fmt.Sprintf("integrator.io's test of connection %q", name), "failed (login refused)"),
		},
		resource.TestStep{
			// The failed test left the connection saved, and offline; nothing is to change.
			Config: tg.ProviderConfig() + actionTriggered(wrong, name),
			Check:  checkRemote(t, tg, connAddr, offline(true)),
		},
		resource.TestStep{
			Config: tg.ProviderConfig() + actionTriggered(pg, name),
			Check:  checkRemote(t, tg, connAddr, offline(false)),
		},
	)
	c.TerraformVersionChecks = skipBelow1_14
	resource.Test(t, c)
}

// TestEmulatorConnectionTestAction_invoke runs the action as users do on demand, with
// `terraform apply -invoke=action.integratorio_connection_test.NAME` (real Terraform 1.16 and the
// built provider): a failure with its classified reason and the offline flag, a pass that brings
// the connection online again, the direct check, and its mistakes.
func TestEmulatorConnectionTestAction_invoke(t *testing.T) {
	tf := acctest.UseTerraform116(t)
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	c, err := client.New(client.WithToken(env.Token), client.WithBaseURL(env.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	doc := &client.Connection{Type: "rdbms", Name: "orders", RDBMS: &client.RDBMS{Type: "postgresql",
		Host: pg.Host, Port: client.Port(pg.Port), Database: pg.Database, User: pg.PasswordUser, Password: "not-the-password",
		SSL: &client.SSL{CA: pg.CA}}}
	saved, err := c.Connections.Create(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	closedDoc := *doc
	closedDB := *doc.RDBMS
	closedDB.Port = client.Port(closedPort(t))
	closedDoc.Name, closedDoc.RDBMS = "closed", &closedDB
	closed, err := c.Connections.Create(ctx, &closedDoc)
	if err != nil {
		t.Fatal(err)
	}
	cli := newCLI(t, env)
	cli.Binary = tf
	cli.Env = append(cli.Env, "TF_VAR_password="+pg.Password)
	writeFile(t, cli.Dir, "main.tf", fmt.Sprintf(`
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
variable "ca" {
  type    = string
  default = %[3]q
}

action "integratorio_connection_test" "orders" {
  config {
    connection_id = %[2]q
  }
}

action "integratorio_connection_test" "from_here" {
  config {
    connection_id = %[2]q
    direct_check  = true
    password      = var.password
    ssl_ca        = var.ca
  }
}

action "integratorio_connection_test" "no_password" {
  config {
    connection_id = %[2]q
    direct_check  = true
  }
}

action "integratorio_connection_test" "gone" {
  config {
    connection_id = "aaaaaaaaaaaaaaaaaaaaaaaa"
  }
}

action "integratorio_connection_test" "closed_port" {
  config {
    connection_id = %[4]q
    direct_check  = true
    password      = var.password
  }
}
`, clirunner.ProviderSource, saved.ID, pg.CA, closed.ID))
	run := func(action string) clirunner.Result {
		t.Helper()
		return cli.Run(t.Context(), "apply", "-no-color", "-auto-approve", "-invoke=action.integratorio_connection_test."+action)
	}
	isOffline := func() bool {
		t.Helper()
		got, err := c.Connections.Get(ctx, saved.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Offline
	}

	failed := run("orders")
	t.Logf("a failing test:\n%s", failed.Output())
	if failed.Err == nil {
		t.Fatal("the action passed with a wrong password")
	}
	for _, want := range []string{"Connection Test Failed", `integrator.io's test of connection "orders" (` + saved.ID + `) failed (login refused)`,
		"integrator.io marks it offline", "How to fix: check the username and password"} {
		if !acctest.ErrorText(want).MatchString(failed.Output()) {
			t.Errorf("the failure does not say %q", want)
		}
	}
	if !isOffline() {
		t.Fatal("after a failed test the connection is not offline")
	}

	// Fixed in the UI (a clean save brings it back online), then a flow fails to connect and
	// marks it offline again; the next test clears it.
	doc.RDBMS.Password = pg.Password
	if _, err := c.Connections.Replace(ctx, saved.ID, doc); err != nil {
		t.Fatal(err)
	}
	if err := env.Emulator.MarkConnectionOffline(saved.ID); err != nil {
		t.Fatal(err)
	}
	passed := run("orders")
	t.Logf("a passing test:\n%s", passed.Output())
	if passed.Err != nil {
		t.Fatal(passed.Err)
	}
	if want := `integrator.io's test of connection "orders" (` + saved.ID + `) passed; integrator.io marks it online again (it was offline).`; !strings.Contains(passed.Stdout, want) {
		t.Errorf("the action does not report %q", want)
	}
	if isOffline() {
		t.Error("after a passing test the connection is still offline")
	}

	direct := run("from_here")
	if direct.Err != nil {
		t.Fatal(direct.Err)
	}
	if want := `Logged in to the database of "orders" directly from this machine.`; !strings.Contains(direct.Stdout, want) {
		t.Errorf("the direct check does not report %q:\n%s", want, direct.Output())
	}
	if strings.Contains(direct.Output(), pg.Password) {
		t.Error("the password appears in the output")
	}

	noPassword := run("no_password")
	if noPassword.Err == nil || !acctest.ErrorText("Direct Check Needs the Password", `Connection "orders" logs in with a password`).MatchString(noPassword.Output()) {
		t.Errorf("a direct check without the password is not refused with what to do:\n%s", noPassword.Output())
	}
	// The action words the direct check's failure itself: what failed and how to fix it, and the
	// action's own way to skip the check, never the resource's ("Nothing was created", connectivity_check).
	refused := run("closed_port")
	t.Logf("a direct check that cannot reach the database:\n%s", refused.Output())
	if refused.Err == nil || !acctest.ErrorText("Direct Connectivity Check Failed", "Terraform could not log in to PostgreSQL at "+pg.Host,
		"set direct_check = false").MatchString(refused.Output()) {
		t.Errorf("a direct check that cannot reach the database does not say so with the action's words:\n%s", refused.Output())
	}
	for _, resourceWords := range []string{"Nothing was created", "connectivity_check"} {
		if strings.Contains(refused.Output(), resourceWords) {
			t.Errorf("the action's direct check failure speaks of the resource (%q):\n%s", resourceWords, refused.Output())
		}
	}
	gone := run("gone")
	if gone.Err == nil || !acctest.ErrorText("Connection Not Found", "No connection with id aaaaaaaaaaaaaaaaaaaaaaaa exists").MatchString(gone.Output()) {
		t.Errorf("an unknown connection is not reported:\n%s", gone.Output())
	}
}

// Settings of the direct check without it are refused at validation.
func TestConnectionTestAction_directSettingsWithoutDirectCheck(t *testing.T) {
	acctest.UseTerraform116(t)
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   skipBelow1_14,
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
action "integratorio_connection_test" "x" {
  config {
    connection_id = "aaaaaaaaaaaaaaaaaaaaaaaa"
    ssl_ca        = "pem"
  }
}
`,
			PlanOnly:    true,
			ExpectError: acctest.ErrorText("Setting Used Only by the Direct Check", "ssl_ca is used only by the direct check, which is off."),
		}},
	})
}
