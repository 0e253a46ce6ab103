package provider_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
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
