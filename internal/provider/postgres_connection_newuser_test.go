package provider_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/pgserver"
)

// plainBody is a connection that logs in to pg with its password over plain TCP.
func plainBody(pg *pgserver.Server, extra string) string {
	return fmt.Sprintf(`
  name     = "Plain"
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = %q
%s`, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password, extra)
}

// Without TLS, ssl_verify_server_certificate is null in plan and state (not a misleading true);
// with TLS it defaults to true. Import also takes the address of the connection's page.
func TestEmulatorPostgresConnection_verifyNullWithoutSSLAndImportByURL(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	verify := tfjsonpath.New("ssl_verify_server_certificate")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: connConfig(env, plainBody(pg, "")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectKnownValue(connAddr, verify, knownvalue.Null())},
				},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(connAddr, verify, knownvalue.Null())},
			},
			{
				ResourceName: connAddr,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return "https://integrator.io/integrator/connections/edit/connections/" + s.RootModule().Resources[connAddr].Primary.ID, nil
				},
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password"},
			},
			{
				ResourceName:  connAddr,
				ImportState:   true,
				ImportStateId: "https://integrator.io/integrator/connections",
				ExpectError: acctest.ErrorText("Invalid Import ID", "The address https://integrator.io/integrator/connections holds no connection id.",
					"or with the address of its page in integrator.io"),
			},
			{
				Config: connConfig(env, plainBody(pg, fmt.Sprintf("use_ssl = true\nssl_ca = %q\n", pg.CA))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectKnownValue(connAddr, verify, knownvalue.Bool(true))},
				},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(connAddr, verify, knownvalue.Bool(true))},
			},
			{
				Config: connConfig(env, plainBody(pg, "")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectKnownValue(connAddr, verify, knownvalue.Null())},
				},
			},
			{
				Config:   connConfig(env, plainBody(pg, "")),
				PlanOnly: true, // and empty
			},
		},
	})
}

// State as 0.1.0 wrote it (schema version 0: ssl_verify_server_certificate = true without TLS, no
// concurrency_level_in_force) plans no change, with a refresh and without one (the state upgrader
// rewrites it), and a change applied straight from it records the level in force. `make
// test-upgrade` does the same with 0.1.0's own provider.
func TestEmulatorCLI_stateOf010(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	config := "resource \"integratorio_postgres_connection\" \"test\" {" + plainBody(pg, "") + "}\n"
	if out, err := cliOutput(t, cli, config, "apply", "-auto-approve", "-no-color"); err != nil {
		t.Fatalf("apply failed:\n%s", out)
	}
	statePath := filepath.Join(cli.Dir, "terraform.tfstate")
	raw, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]any
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatal(err)
	}
	instance := state["resources"].([]any)[0].(map[string]any)["instances"].([]any)[0].(map[string]any)
	attrs := instance["attributes"].(map[string]any)
	if instance["schema_version"] != float64(1) || attrs["ssl_verify_server_certificate"] != nil || attrs["concurrency_level_in_force"] != float64(5) {
		t.Fatalf("state is not what this test turns into 0.1.0's: schema_version %v, ssl_verify_server_certificate %v, concurrency_level_in_force %v",
			instance["schema_version"], attrs["ssl_verify_server_certificate"], attrs["concurrency_level_in_force"])
	}
	instance["schema_version"] = 0
	attrs["ssl_verify_server_certificate"] = true
	delete(attrs, "concurrency_level_in_force")
	if raw, err = json.Marshal(state); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(statePath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-refresh=false"}, {}} {
		res := cli.Run(t.Context(), append([]string{"plan", "-no-color", "-detailed-exitcode"}, args...)...)
		if res.Err != nil {
			t.Fatalf("plan %v over 0.1.0's state is not empty (exit 2 means changes):\n%s", args, res.Output())
		}
		wantNotIn(t, strings.Join(strings.Fields(res.Output()), " "), "ssl_verify_server_certificate")
	}
	renamed := strings.Replace(config, `"Plain"`, `"Renamed"`, 1)
	if out, err := cliOutput(t, cli, renamed, "apply", "-auto-approve", "-no-color", "-refresh=false"); err != nil {
		t.Fatalf("a change applied without a refresh over 0.1.0's state failed:\n%s", out)
	}
	out, err := cliOutput(t, cli, renamed, "state", "show", "-no-color", "integratorio_postgres_connection.test")
	if err != nil {
		t.Fatal(err)
	}
	wantIn(t, out, `name = "Renamed"`, "concurrency_level_in_force = 5")
}

// A configuration generated for an import has password = null: plans that change nothing pass,
// with a warning that the next change will need the password.
func TestEmulatorCLI_generatedConfigWarnsAboutPassword(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	created, err := apiClient(t, env).Connections.Create(t.Context(), &client.Connection{
		Type: client.ConnectionTypeRDBMS, Name: "Made in the UI",
		RDBMS: &client.RDBMS{Type: client.RDBMSTypePostgreSQL, Host: pg.Host, Port: client.Port(pg.Port),
			Database: pg.Database, User: pg.PasswordUser, Password: pg.Password},
	})
	if err != nil {
		t.Fatal(err)
	}
	cli := newCLI(t, env)
	importBlock := fmt.Sprintf(`
import {
  to = integratorio_postgres_connection.imported
  id = %q
}
`, created.ID)
	out, err := cliOutput(t, cli, importBlock, "plan", "-no-color", "-generate-config-out=generated.tf")
	if err != nil {
		t.Fatalf("planning the import failed:\n%s", out)
	}
	out, err = cliOutput(t, cli, importBlock, "apply", "-auto-approve", "-no-color")
	if err != nil {
		t.Fatalf("applying the import failed:\n%s", out)
	}
	wantIn(t, out, "Warning: Password Needed for the Next Change", "with integratorio_postgres_connection.imported",
		"the next change will fail with Missing Password. Set password (from a sensitive variable), or password_wo with password_wo_version, now.")
	out, err = cliOutput(t, cli, "", "plan", "-no-color", "-detailed-exitcode")
	if err != nil {
		t.Fatalf("the plan after the import is not empty:\n%s", out)
	}
	wantIn(t, out, "Warning: Password Needed for the Next Change")
}

// A level above the licence is warned about at the plan and the apply that ask for it; afterwards
// concurrency_level_in_force shows the level integrator.io applies, and plans are quiet and empty.
func TestEmulatorCLI_concurrencyLevelInForce(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{ConcurrencyLicence: 25})
	cli := newCLI(t, env)
	config := "resource \"integratorio_postgres_connection\" \"test\" {" + plainBody(pg, "concurrency_level = 35\n") + "}\n" + `
output "in_force" {
  value = integratorio_postgres_connection.test.concurrency_level_in_force
}
`
	out, err := cliOutput(t, cli, config, "apply", "-auto-approve", "-no-color")
	if err != nil {
		t.Fatalf("apply failed:\n%s", out)
	}
	wantIn(t, out, "Warning: Concurrency Level Above the Standard Licence", "concurrency_level = 35 is above 25.",
		"Warning: Concurrency Level Lowered by integrator.io", "integrator.io saved concurrency level 25 instead of 35",
		"in_force = 25")
	out, err = cliOutput(t, cli, config, "plan", "-no-color", "-detailed-exitcode")
	if err != nil {
		t.Fatalf("the plan after the apply is not empty:\n%s", out)
	}
	wantNotIn(t, out, "Concurrency Level")
	out, err = cliOutput(t, cli, config, "output", "-no-color", "in_force")
	if err != nil || strings.TrimSpace(out) != "25" {
		t.Fatalf("concurrency_level_in_force = %q (%v), want 25", out, err)
	}
}
