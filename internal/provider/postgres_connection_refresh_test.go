package provider_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// A refresh of many connections reads them through one shared listing, not one GET each. Changes
// made outside Terraform must show through it exactly as through single reads: an edited
// connection is updated back, a deleted one created again, and nothing else changes.
func TestEmulatorPostgresConnection_driftThroughSharedListing(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	const fleet = 20
	config := connConfig(env, fmt.Sprintf(`
  count    = %d
  name     = "fleet-${count.index}"
  host     = "db.example.com"
  database = "orders"
  username = "svc"
  password = "fleet-password"
  connectivity_check = {
    direct  = false
    via_api = false
  }
`, fleet))
	instance := func(i int) string { return fmt.Sprintf("%s[%d]", connAddr, i) }
	const edited, deleted = 3, 7
	ids := map[int]string{}

	var unchanged []plancheck.PlanCheck
	for i := range fleet {
		if i != edited && i != deleted {
			unchanged = append(unchanged, plancheck.ExpectResourceAction(instance(i), plancheck.ResourceActionNoop))
		}
	}
	driftChecks := append([]plancheck.PlanCheck{
		plancheck.ExpectResourceAction(instance(edited), plancheck.ResourceActionUpdate),
		plancheck.ExpectResourceAction(instance(deleted), plancheck.ResourceActionCreate),
	}, unchanged...)

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					for _, i := range []int{edited, deleted} {
						r, ok := s.RootModule().Resources[fmt.Sprintf("%s.%d", connAddr, i)]
						if !ok {
							return fmt.Errorf("no %s in state", instance(i))
						}
						ids[i] = r.Primary.ID
					}
					return nil
				},
			},
			{
				PreConfig: func() {
					editOutOfBand(t, env, ids[edited], func(db *client.RDBMS) {
						db.Host, db.Password = "elsewhere.example.com", "fleet-password"
					})
					if err := apiClient(t, env).Connections.Delete(context.Background(), ids[deleted]); err != nil {
						t.Fatal(err)
					}
					// An internet round trip: reads of a refresh overlap, as they do for a user,
					// however slowly this machine runs the walk.
					if err := env.Emulator.SetFaults(emulator.FaultConfig{Latency: 250 * time.Millisecond}); err != nil {
						t.Fatal(err)
					}
					env.Emulator.ResetStats()
				},
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: driftChecks},
				Check: func(*terraform.State) error {
					stats := env.Emulator.Stats()
					// The plan refreshes all 20 with one listing (the apply uses the saved plan). GETs
					// by id: the first read, sent before others arrive, the confirmation of what the
					// listing no longer holds (the deleted connection), and the update's read of the
					// document it replaces (to keep the fields Terraform does not manage).
					if stats["GET /v1/connections"] != 1 || stats["GET /v1/connections/{id}"] > 3 {
						return fmt.Errorf("the refreshes did not share listings: %v", stats)
					}
					conns := env.Emulator.Connections()
					if len(conns) != fleet {
						return fmt.Errorf("the emulator holds %d connections after apply, want %d", len(conns), fleet)
					}
					for _, c := range conns {
						if h := rdbmsField(c, "host"); h != "db.example.com" {
							return fmt.Errorf("connection %v still has host %v", c["name"], h)
						}
					}
					return nil
				},
			},
		},
	})
}

// A refresh of 7 connections against a service that refuses limit=1000 (400
// invalid_query_params, emulator.Config.MaxLimit) and pages with cursor links
// (emulator.Config.CursorPaging) lists them again without the limit, instead of falling back to
// one GET per connection.
func TestCLI_refreshSurvivesARefusedLimit(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{MaxLimit: 100, CursorPaging: true, PageSize: 5})
	cli := newCLI(t, env)
	writeFile(t, cli.Dir, "main.tf", requiredProviders+fmt.Sprintf(`
resource "integratorio_postgres_connection" "test" {
  count    = 7
  name     = "Refreshed ${count.index}"
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = %q
  connectivity_check = { direct = false, via_api = false }
}
`, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password))
	if r := cli.Run(t.Context(), "apply", "-auto-approve", "-no-color"); r.Err != nil {
		t.Fatalf("apply: %s", r.Output())
	}
	env.Emulator.ResetStats()
	if r := cli.Run(t.Context(), "plan", "-detailed-exitcode", "-no-color"); r.Err != nil {
		t.Fatalf("the plan after apply is not empty or failed: %s", r.Output())
	}
	stats := env.Emulator.Stats()
	lists, gets := stats["GET /v1/connections"], stats["GET /v1/connections/{id}"]
	t.Logf("refresh of 7 connections: %d listing requests, %d GETs by id", lists, gets)
	// Before: three refused listings and 7 GETs by id. Now one refused page, two cursor pages, and
	// a GET for each read that arrives alone, before others join it in a listing.
	if lists > 3 || gets >= 7 {
		t.Errorf("the refresh of 7 connections took %d listing requests and %d GETs by id; want the refused "+
			"limit retried without it (a refused page and two cursor pages), not one GET per connection", lists, gets)
	}
}
