package provider_test

import (
	"fmt"
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
)

// Every save sends rdbms.useSSL from use_ssl, as the UI's "Use SSL" box is sent; a service that
// stores it shows a box switched on in the UI as drift, and one that drops it
// (emulator.Config.DropUseSSL) leaves the earlier readings, with no diff after apply.
func TestEmulatorPostgresConnection_useSSLSentAsTheUIDoes(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	for _, drop := range []bool{false, true} {
		t.Run(fmt.Sprintf("DropUseSSL=%v", drop), func(t *testing.T) {
			t.Parallel()
			env := acctest.NewEnv(t, emulator.Config{DropUseSSL: drop})
			body := func(ssl string) string {
				return fmt.Sprintf(`
  name     = "Use SSL"
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = %q
%s`, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password, ssl)
			}
			stored := func(want bool) resource.TestCheckFunc {
				return func(*terraform.State) error {
					got, ok := rdbmsField(storedConnection(t, env), "useSSL").(bool)
					if drop && ok {
						return fmt.Errorf("the emulator kept useSSL %v in DropUseSSL mode", got)
					}
					if !drop && (!ok || got != want) {
						return fmt.Errorf("stored rdbms.useSSL = %v (present %v), want %v", got, ok, want)
					}
					return nil
				}
			}
			steps := []resource.TestStep{
				{Config: connConfig(env, body(fmt.Sprintf("  use_ssl = true\n  ssl_ca = %q\n", pg.CA))), Check: stored(true)},
				{Config: connConfig(env, body("  use_ssl = false\n")), Check: stored(false)},
			}
			if !drop {
				// Someone ticks "Use SSL" in the UI without material: the refresh shows it.
				steps = append(steps, resource.TestStep{
					PreConfig: func() {
						editOutOfBand(t, env, storedConnection(t, env)["_id"].(string), func(db *client.RDBMS) {
							db.Password = pg.Password
							db.UseSSL = new(true)
						})
					},
					Config: connConfig(env, body("  use_ssl = false\n")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate),
					}},
					Check: stored(false),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("use_ssl"), knownvalue.Bool(false)),
					},
				})
			}
			resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: acctest.ProviderFactories, Steps: steps})
		})
	}
}
