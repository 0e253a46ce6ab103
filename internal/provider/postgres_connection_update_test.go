package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

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

// Mode, agent and SSL changes are updates in place: the connection keeps its id.
func TestEmulatorPostgresConnection_modeAgentAndSSLChangeInPlace(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	agent1 := addAgent(t, env, emulator.AgentSpec{Name: "dc1", Online: true})
	agent2 := addAgent(t, env, emulator.AgentSpec{Name: "dc2", Online: true})
	plain := fmt.Sprintf(`
  name     = "Moving"
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = %q
`, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password)
	onPremise := func(agent string) string {
		return plain + fmt.Sprintf("  mode = \"on_premise\"\n  agent_id = %q\n", agent)
	}
	inPlace := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate)}}
	stored := func(field string, want any) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := storedConnection(t, env)[field]; got != want {
				return fmt.Errorf("stored %s = %v, want %v", field, got, want)
			}
			return nil
		}
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: connConfig(env, plain), Check: stored("_agentId", nil)},
			{
				Config: connConfig(env, onPremise(agent1)), ConfigPlanChecks: inPlace, Check: stored("_agentId", agent1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("mode"), knownvalue.StringExact("on_premise")),
				},
			},
			{Config: connConfig(env, onPremise(agent2)), ConfigPlanChecks: inPlace, Check: stored("_agentId", agent2)},
			{
				Config: connConfig(env, plain+fmt.Sprintf("  use_ssl = true\n  ssl_ca = %q\n", pg.CA)), ConfigPlanChecks: inPlace,
				Check: func(*terraform.State) error {
					doc := storedConnection(t, env)
					if doc["_agentId"] != nil || rdbmsField(doc, "ssl") == nil {
						return fmt.Errorf("after going back to cloud with SSL: _agentId %v, ssl %v", doc["_agentId"], rdbmsField(doc, "ssl") != nil)
					}
					return nil
				},
			},
			{Config: connConfig(env, plain), ConfigPlanChecks: inPlace, Check: func(*terraform.State) error {
				if ssl := rdbmsField(storedConnection(t, env), "ssl"); ssl != nil {
					return fmt.Errorf("use_ssl = false still stores an ssl object")
				}
				return nil
			}},
		},
	})
	if n := creates(env); n != 1 {
		t.Fatalf("%d creates: a change was made by replacement", n)
	}
}

// A connection borrows the concurrency of another; a lender that does not exist is refused by
// integrator.io and nothing is created.
func TestAccPostgresConnection_borrowing(t *testing.T) {
	t.Parallel()
	tg := acctest.Live(t)
	pg := acctest.LivePG(t)
	lenderName, borrowerName := acctest.RandomName("lender"), acctest.RandomName("borrower")
	lender := fmt.Sprintf(`
resource "integratorio_postgres_connection" "lender" {
  concurrency_level = 9
%s}
`, livePGBody(pg, lenderName, ""))
	borrower := func(from string) string {
		return fmt.Sprintf(`
resource "integratorio_postgres_connection" "test" {
  borrow_concurrency_from = %s
%s}
`, from, livePGBody(pg, borrowerName, ""))
	}
	const missing = "aaaaaaaaaaaaaaaaaaaaaaaa"
	resource.Test(t, accCase(t, tg,
		resource.TestStep{
			// A lender that does not exist: refused by integrator.io, nothing created.
			Config: tg.ProviderConfig() + borrower(`"`+missing+`"`),
			ExpectError: acctest.ErrorText("integrator.io Rejected the Connection",
				fmt.Sprintf("integrator.io refused connection %q:", borrowerName), "Nothing was created or changed."),
		},
		resource.TestStep{
			Config: tg.ProviderConfig() + lender + borrower("integratorio_postgres_connection.lender.id"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("concurrency_level"), knownvalue.Null()),
				statecheck.ExpectKnownValue("integratorio_postgres_connection.lender", tfjsonpath.New("concurrency_level"), knownvalue.Int64Exact(9)),
			},
			Check: func(s *terraform.State) error {
				lenderID, err := stateID(s, "integratorio_postgres_connection.lender")
				if err != nil {
					return err
				}
				return checkRemote(t, tg, connAddr, func(c *client.Connection) error {
					if c.BorrowConcurrencyFromConnectionID != lenderID {
						return fmt.Errorf("integrator.io holds _borrowConcurrencyFromConnectionId %q, want %s", c.BorrowConcurrencyFromConnectionID, lenderID)
					}
					return nil
				})(s)
			},
		},
		resource.TestStep{
			Config:           tg.ProviderConfig() + lender + borrower("integratorio_postgres_connection.lender.id"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		},
	))
}

func TestEmulatorPostgresConnection_borrowFromItselfRefused(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	// A connection made outside Terraform, so its id is known before the configuration is written.
	created, err := apiClient(t, env).Connections.Create(t.Context(), &client.Connection{
		Type: client.ConnectionTypeRDBMS, Name: "Self",
		RDBMS: &client.RDBMS{Type: client.RDBMSTypePostgreSQL, Host: pg.Host, Port: client.Port(pg.Port),
			Database: pg.Database, User: pg.PasswordUser, Password: pg.Password},
	})
	if err != nil {
		t.Fatal(err)
	}
	// An import step's configuration gets no required_providers block from the test framework.
	config := func(extra string) string {
		return acctest.RequiredProviders + connConfig(env, pgBody(pg, "Self", extra))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(""), ResourceName: connAddr, ImportState: true, ImportStateId: created.ID,
				ImportStatePersist: true,
			},
			{
				Config: config(fmt.Sprintf("  borrow_concurrency_from = %q\n", created.ID)),
				ExpectError: acctest.ErrorText("Connection Cannot Borrow From Itself",
					fmt.Sprintf("borrow_concurrency_from is this connection's own id (%s)", created.ID)),
			},
		},
	})
	if n := env.Emulator.Stats()["PUT /v1/connections/{id}"]; n != 0 {
		t.Fatalf("the refused update sent %d PUTs", n)
	}
}

// integrator.io quietly lowers a level above the licence; the apply warns, and the lowered
// level is not a diff on every later plan.
func TestEmulatorPostgresConnection_concurrencyAboveLicence(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{ConcurrencyLicence: 25})
	config := connConfig(env, pgBody(pg, "Busy", "  concurrency_level = 40\n"))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(*terraform.State) error {
					if got := fmt.Sprint(rdbmsField(storedConnection(t, env), "concurrencyLevel")); got != "25" {
						return fmt.Errorf("the emulator stored level %s, want it lowered to 25", got)
					}
					return nil
				},
			},
			{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{
				// Lowered to 25 by the licence, then set to 20 in integrator.io: that is drift.
				PreConfig: func() {
					id, _ := storedConnection(t, env)["_id"].(string)
					editOutOfBand(t, env, id, func(db *client.RDBMS) { db.ConcurrencyLevel, db.Password = 20, pg.Password })
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// A real change of level below the cap is still seen and applied.
				Config:           connConfig(env, pgBody(pg, "Busy", "  concurrency_level = 12\n")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate)}},
			},
		},
	})
}

// An update of an online connection plans offline = false, not "(known after apply)". An offline
// connection's flag is unknown until the save, which clears it when the credentials work.
func TestEmulatorPostgresConnection_offlineThroughUpdates(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	offline := tfjsonpath.New("offline")
	var id string
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: connConfig(env, pgBody(pg, "First", "")),
				Check: func(*terraform.State) error {
					id, _ = storedConnection(t, env)["_id"].(string)
					return nil
				},
			},
			{
				Config: connConfig(env, pgBody(pg, "Renamed", "")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(connAddr, offline, knownvalue.Bool(false)),
				}},
			},
			{
				// Someone saves a wrong password in integrator.io and tests the connection, which
				// marks it offline. The next update sends the configured password again.
				PreConfig: func() {
					editOutOfBand(t, env, id, func(db *client.RDBMS) { db.Password = "not-the-password" })
					if err := apiClient(t, env).Connections.Ping(context.Background(), id); err == nil {
						t.Fatal("a test with the wrong password passed")
					}
					if storedConnection(t, env)["offline"] != true {
						t.Fatal("a failed test did not mark the connection offline")
					}
				},
				Config: connConfig(env, pgBody(pg, "Renamed again", "")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(connAddr, offline),
				}},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(connAddr, offline, knownvalue.Bool(false))},
				Check: func(*terraform.State) error {
					if got := storedConnection(t, env)["offline"]; got != false {
						return fmt.Errorf("after a save with the working password, the stored offline = %v", got)
					}
					return nil
				},
			},
		},
	})
}

// A level changed outside Terraform is drift even when it equals a licence cap: on an account
// with the extended licence, 40 stays 40, and someone setting 25 in integrator.io is seen (the
// provider compares with the level integrator.io held after its own save, not with the caps).
func TestEmulatorPostgresConnection_concurrencyChangedOutsideTerraform(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{ConcurrencyLicence: 50})
	config := connConfig(env, pgBody(pg, "Busy", "  concurrency_level = 40\n"))
	storedLevel := func() string { return fmt.Sprint(rdbmsField(storedConnection(t, env), "concurrencyLevel")) }
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					id, _ := storedConnection(t, env)["_id"].(string)
					editOutOfBand(t, env, id, func(db *client.RDBMS) { db.ConcurrencyLevel, db.Password = 25, pg.Password })
					if got := storedLevel(); got != "25" {
						t.Fatalf("the out-of-band edit left level %s", got)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(connAddr, tfjsonpath.New("concurrency_level"), knownvalue.Int64Exact(40)),
				}},
				Check: func(*terraform.State) error {
					if got := storedLevel(); got != "40" {
						return fmt.Errorf("after apply the emulator holds level %s, want 40", got)
					}
					return nil
				},
			},
			{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// integrator.io sets lastModifiedBy (with _id, createdAt, lastModified and offline): an update,
// which starts from the document read back, never sends any of them, even where the service
// refuses them (emulator.Config.RefuseServerSetFields).
func TestEmulatorPostgresConnection_serverSetFieldsNeverSent(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{RefuseServerSetFields: true})
	body := func(name string) string {
		return fmt.Sprintf(`
  name     = %q
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = %q
`, name, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: connConfig(env, body("Before")), Check: func(*terraform.State) error {
				if by, _ := storedConnection(t, env)["lastModifiedBy"].(string); by == "" {
					return fmt.Errorf("the emulator set no lastModifiedBy")
				}
				return nil
			}},
			{Config: connConfig(env, body("After")), ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate)},
			}},
		},
	})
	if sent := env.Emulator.ServerSetFieldsSent(); len(sent) > 0 {
		t.Errorf("the provider sent server-set fields: %v", sent)
	}
}

// An update reads the connection by id right before its PUT. When someone changed it in
// integrator.io after Terraform's refresh (here: between `plan -out` and `apply`), the update
// still goes ahead as planned, a warning says so, and the field Terraform does not manage keeps
// its newest value.
func TestCLI_updateWarnsOfAChangeSinceThePlan(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	config := func(name string) string {
		return requiredProviders + fmt.Sprintf(`
resource "integratorio_postgres_connection" "test" {
  name     = %q
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = %q
}
`, name, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password)
	}
	writeFile(t, cli.Dir, "main.tf", config("Before"))
	if r := cli.Run(t.Context(), "apply", "-auto-approve", "-no-color"); r.Err != nil {
		t.Fatalf("apply: %s", r.Output())
	}
	writeFile(t, cli.Dir, "main.tf", config("After"))
	if r := cli.Run(t.Context(), "plan", "-out=tfplan", "-no-color"); r.Err != nil {
		t.Fatalf("plan: %s", r.Output())
	}
	// Someone edits a field Terraform does not manage in the UI.
	c := apiClient(t, env)
	id, _ := storedConnection(t, env)["_id"].(string)
	doc, err := c.Connections.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	doc.RDBMS.Password = pg.Password
	doc.Extra = map[string]json.RawMessage{"externalId": json.RawMessage(`"erp-7"`)}
	time.Sleep(2 * time.Millisecond) // lastModified has millisecond resolution
	if _, err := c.Connections.Replace(t.Context(), id, doc); err != nil {
		t.Fatal(err)
	}
	gets := env.Emulator.Stats()["GET /v1/connections/{id}"]
	r := cli.Run(t.Context(), "apply", "-no-color", "tfplan")
	if r.Err != nil {
		t.Fatalf("apply of the saved plan: %s", r.Output())
	}
	out := strings.Join(strings.Fields(r.Output()), " ")
	for _, want := range []string{
		"Warning: Connection Changed in integrator.io Since the Plan",
		"Connection " + id + " was changed in integrator.io by user ",
		"The update goes ahead as planned: the settings Terraform manages are set as in the plan, and the fields " +
			"Terraform does not manage keep their newest values.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, r.Output())
		}
	}
	if n := env.Emulator.Stats()["GET /v1/connections/{id}"] - gets; n < 1 {
		t.Errorf("the update read the connection with %d GETs by id; want it read right before the PUT", n)
	}
	stored := storedConnection(t, env)
	if stored["name"] != "After" || stored["externalId"] != "erp-7" {
		t.Errorf("after the update: name %v, externalId %v; want the plan's name and the newest externalId", stored["name"], stored["externalId"])
	}

	// Without a change behind Terraform's back, an update says nothing of the kind.
	writeFile(t, cli.Dir, "main.tf", config("Again"))
	r = cli.Run(t.Context(), "apply", "-auto-approve", "-no-color")
	if r.Err != nil || strings.Contains(r.Output(), "Since the Plan") {
		t.Errorf("a plain update: %v\n%s", r.Err, r.Output())
	}
}
