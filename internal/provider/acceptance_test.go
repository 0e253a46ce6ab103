package provider_test

// Acceptance tests (TestAcc…): what the real integrator.io must do with this provider (and the
// helpers they share; a few more live beside the emulator tests of the same feature). They run
// through resource.Test, only with TF_ACC set, against the account INTEGRATORIO_API_TOKEN /
// INTEGRATORIO_BASE_URL / INTEGRATORIO_REGION name (`make testacc`: an emulator it starts;
// `make testacc-live`: a real account), with connections named tf-acc-… that log in to the
// database INTEGRATORIO_ACC_PG_* name. They observe integrator.io only through its API, as any
// user could; tests that need the emulator's controls are named TestEmulator….

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
)

// accCase is an acceptance test case: the account's PreCheck, the provider served in-process,
// and a CheckDestroy that asks integrator.io whether every connection is gone.
func accCase(t *testing.T, tg *acctest.Target, steps ...resource.TestStep) resource.TestCase {
	return resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             tg.CheckConnectionsDestroyed(t),
		Steps:                    steps,
	}
}

// accConfig is the target's provider block and one connection resource.
func accConfig(tg *acctest.Target, body string) string {
	return tg.ProviderConfig() + "\nresource \"integratorio_postgres_connection\" \"test\" {\n" + body + "\n}\n"
}

// livePGBody is a connection that logs in to the test database with its password, over TLS when
// a CA is given.
func livePGBody(pg acctest.PG, name, extra string) string {
	ssl := ""
	if pg.CA != "" {
		ssl = fmt.Sprintf("  use_ssl  = true\n  ssl_ca   = %q\n", pg.CA)
	}
	return fmt.Sprintf(`
  name     = %q
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = %q
%s%s`, name, pg.Host, pg.Port, pg.Database, pg.User, pg.Password, ssl, extra)
}

// stateID is the id of a resource in state.
func stateID(s *terraform.State, addr string) (string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok || rs.Primary == nil || rs.Primary.ID == "" {
		return "", fmt.Errorf("%s is not in state", addr)
	}
	return rs.Primary.ID, nil
}

// checkRemote reads the resource's connection from integrator.io and hands it to check.
func checkRemote(t *testing.T, tg *acctest.Target, addr string, check func(*client.Connection) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateID(s, addr)
		if err != nil {
			return err
		}
		conn, err := tg.Client(t).Connections.Get(context.Background(), id)
		if err != nil {
			return fmt.Errorf("reading connection %s from integrator.io: %w", id, err)
		}
		return check(conn)
	}
}

// checkTestPasses runs integrator.io's own test of the saved connection: it passes only when
// integrator.io holds working credentials, which the API never shows (they come back masked).
func checkTestPasses(t *testing.T, tg *acctest.Target, addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateID(s, addr)
		if err != nil {
			return err
		}
		if err := tg.Client(t).Connections.Ping(context.Background(), id); err != nil {
			return fmt.Errorf("integrator.io's test of the saved connection failed, so it does not hold the configured credentials: %w", err)
		}
		return nil
	}
}

// editRemote changes a connection as someone in the integrator.io UI would: read it, edit it,
// save it whole. Masked values come back as the mask, so they are cleared first; edit must set
// those it means to keep.
func editRemote(t *testing.T, tg *acctest.Target, id string, edit func(*client.RDBMS)) {
	t.Helper()
	c := tg.Client(t)
	doc, err := c.Connections.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []*string{&doc.RDBMS.Password} {
		if client.IsMasked(*v) {
			*v = ""
		}
	}
	if ssl := doc.RDBMS.SSL; ssl != nil {
		for _, v := range []*string{&ssl.CA, &ssl.Cert, &ssl.Key, &ssl.Passphrase} {
			if client.IsMasked(*v) {
				*v = ""
			}
		}
	}
	edit(doc.RDBMS)
	if _, err := c.Connections.Replace(context.Background(), id, doc); err != nil {
		t.Fatal(err)
	}
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

// The whole life of a connection: create, import, rename, change of settings, empty plan, destroy.
func TestAccPostgresConnection_lifecycle(t *testing.T) {
	t.Parallel()
	tg := acctest.Live(t)
	pg := acctest.LivePG(t)
	name := acctest.RandomName("lifecycle")
	tuned := "  concurrency_level = 7\n  properties = { statement_timeout = \"30000\" }\n"
	relaxed := ""
	if pg.CA != "" {
		relaxed = "  ssl_verify_server_certificate = false\n"
	}
	var id string
	sameID := func(s *terraform.State) error {
		got, err := stateID(s, connAddr)
		if err == nil && got != id {
			err = fmt.Errorf("the connection's id changed from %s to %s: it was replaced, not updated", id, got)
		}
		return err
	}
	resource.Test(t, accCase(t, tg,
		resource.TestStep{
			Config: accConfig(tg, livePGBody(pg, name, tuned)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(idPattern)),
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("mode"), knownvalue.StringExact("cloud")),
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("port"), knownvalue.Int64Exact(int64(pg.Port))),
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("offline"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("concurrency_level"), knownvalue.Int64Exact(7)),
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("properties"),
					knownvalue.MapExact(map[string]knownvalue.Check{"statement_timeout": knownvalue.StringExact("30000")})),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				func(s *terraform.State) (err error) { id, err = stateID(s, connAddr); return err },
				checkRemote(t, tg, connAddr, func(c *client.Connection) error {
					db := c.RDBMS
					if c.Name != name || c.Type != "rdbms" || db == nil || db.Type != "postgresql" || db.Host != pg.Host ||
						int(db.Port) != pg.Port || db.Database != pg.Database || db.User != pg.User || db.ConcurrencyLevel != 7 ||
						len(db.Options) != 1 || db.Options[0] != (client.Option{Name: "statement_timeout", Value: "30000"}) {
						return fmt.Errorf("integrator.io holds %q, %+v: not the configured settings", c.Name, db)
					}
					if c.AgentID != "" || (pg.CA != "") != (db.SSL != nil) {
						return fmt.Errorf("integrator.io holds agent %q and ssl %t", c.AgentID, db.SSL != nil)
					}
					return nil
				}),
				checkTestPasses(t, tg, connAddr),
			),
		},
		resource.TestStep{
			ResourceName:      connAddr,
			ImportState:       true,
			ImportStateVerify: true,
			// Secrets come back masked; the certificates may be masked too.
			ImportStateVerifyIgnore: []string{"password", "ssl_ca", "ssl_certificate"},
		},
		resource.TestStep{
			// A rename is an update in place, and the password is resent (not the mask).
			Config: accConfig(tg, livePGBody(pg, name+"-renamed", tuned)),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate)},
			},
			Check: resource.ComposeAggregateTestCheckFunc(sameID,
				checkRemote(t, tg, connAddr, func(c *client.Connection) error {
					if c.Name != name+"-renamed" {
						return fmt.Errorf("integrator.io holds the name %q after the rename", c.Name)
					}
					return nil
				}),
				checkTestPasses(t, tg, connAddr),
			),
		},
		resource.TestStep{
			// Without concurrency_level the default returns; properties removed; certificate checks relaxed.
			Config: accConfig(tg, livePGBody(pg, name+"-renamed", relaxed)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("concurrency_level"), knownvalue.Int64Exact(5)),
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("properties"), knownvalue.Null()),
			},
			Check: resource.ComposeAggregateTestCheckFunc(sameID,
				checkRemote(t, tg, connAddr, func(c *client.Connection) error {
					if c.RDBMS.ConcurrencyLevel != 5 || len(c.RDBMS.Options) != 0 || c.RDBMS.DisableStrictSSL != (relaxed != "") {
						return fmt.Errorf("integrator.io holds level %d, options %v, disableStrictSSL %t", c.RDBMS.ConcurrencyLevel,
							c.RDBMS.Options, c.RDBMS.DisableStrictSSL)
					}
					return nil
				}),
			),
		},
		resource.TestStep{
			Config:           accConfig(tg, livePGBody(pg, name+"-renamed", relaxed)),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		},
	))
}

// A client certificate with an encrypted key: integrator.io logs in with it, and an import
// leaves the masked key and passphrase out.
func TestAccPostgresConnection_certificateLogin(t *testing.T) {
	t.Parallel()
	tg := acctest.Live(t)
	pg := acctest.LivePG(t)
	cert := acctest.LivePGCert(t)
	passphrase := ""
	if cert.Passphrase != "" {
		passphrase = fmt.Sprintf("  ssl_passphrase  = %q\n", cert.Passphrase)
	}
	resource.Test(t, accCase(t, tg,
		resource.TestStep{
			Config: accConfig(tg, fmt.Sprintf(`
  name            = %q
  host            = %q
  port            = %d
  database        = %q
  username        = %q
  use_ssl         = true
  ssl_ca          = %q
  ssl_certificate = %q
  ssl_key         = %q
%s`, acctest.RandomName("cert"), pg.Host, pg.Port, pg.Database, cert.User, pg.CA, cert.Cert, cert.Key, passphrase)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("password"), knownvalue.Null()),
			},
			Check: checkTestPasses(t, tg, connAddr),
		},
		resource.TestStep{
			ResourceName:            connAddr,
			ImportState:             true,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"ssl_ca", "ssl_certificate", "ssl_key", "ssl_passphrase"},
		},
	))
}

// A write-only password reaches integrator.io and never the state; bumping its version resends
// it after someone changed it there.
func TestAccPostgresConnection_writeOnlyPassword(t *testing.T) {
	t.Parallel()
	tg := acctest.Live(t)
	pg := acctest.LivePG(t)
	name := acctest.RandomName("write-only")
	body := func(version int) string {
		ssl := ""
		if pg.CA != "" {
			ssl = fmt.Sprintf("  use_ssl = true\n  ssl_ca = %q\n", pg.CA)
		}
		return fmt.Sprintf(`
  name                = %q
  host                = %q
  port                = %d
  database            = %q
  username            = %q
  password_wo         = %q
  password_wo_version = %d
%s`, name, pg.Host, pg.Port, pg.Database, pg.User, pg.Password, version, ssl)
	}
	var id string
	tc := accCase(t, tg,
		resource.TestStep{
			Config: accConfig(tg, body(1)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("password_wo"), knownvalue.Null()),
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("password"), knownvalue.Null()),
				expectNoSecretInState(pg.Password),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				func(s *terraform.State) (err error) { id, err = stateID(s, connAddr); return err },
				checkTestPasses(t, tg, connAddr),
			),
		},
		resource.TestStep{
			Config:           accConfig(tg, body(1)),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		},
		resource.TestStep{
			// Someone saves another password in integrator.io: its test now fails. Bumping the
			// version resends the configured one.
			PreConfig: func() {
				editRemote(t, tg, id, func(db *client.RDBMS) {
					db.Password = "tf-acc-stale-password"
					if db.SSL != nil {
						db.SSL.CA = pg.CA
					}
				})
				if err := tg.Client(t).Connections.Ping(context.Background(), id); err == nil {
					t.Fatal("integrator.io's test passed with a stale password: the test cannot tell whether the password was resent")
				}
			},
			Config: accConfig(tg, body(2)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(2)),
				expectNoSecretInState(pg.Password),
			},
			Check: checkTestPasses(t, tg, connAddr),
		},
	)
	tc.TerraformVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)}
	resource.Test(t, tc)
}

// An on-premise connection through the agent INTEGRATORIO_ACC_AGENT names, found with the data
// source; a rename keeps it in place.
func TestAccPostgresConnection_onPremise(t *testing.T) {
	t.Parallel()
	tg := acctest.Live(t)
	pg := acctest.LivePG(t)
	agent := acctest.LiveAgent(t)
	name := acctest.RandomName("on-premise")
	config := func(name string) string {
		return tg.ProviderConfig() + fmt.Sprintf(`
data "integratorio_agent" "a" {
  name           = %q
  require_online = true
}

resource "integratorio_postgres_connection" "test" {
  mode     = "on_premise"
  agent_id = data.integratorio_agent.a.id
  # The database is reached through the agent; this machine may not reach it.
  connectivity_check = { direct = false }
%s
}
`, agent, livePGBody(pg, name, ""))
	}
	var id string
	resource.Test(t, accCase(t, tg,
		resource.TestStep{
			Config: config(name),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("mode"), knownvalue.StringExact("on_premise")),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				func(s *terraform.State) (err error) { id, err = stateID(s, connAddr); return err },
				func(s *terraform.State) error {
					agentID := s.RootModule().Resources["data.integratorio_agent.a"].Primary.Attributes["id"]
					return checkRemote(t, tg, connAddr, func(c *client.Connection) error {
						if c.AgentID != agentID {
							return fmt.Errorf("integrator.io holds _agentId %q, want the agent's id %s", c.AgentID, agentID)
						}
						return nil
					})(s)
				},
				checkTestPasses(t, tg, connAddr),
			),
		},
		resource.TestStep{
			Config: config(name + "-renamed"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate)},
			},
			Check: func(s *terraform.State) error {
				got, err := stateID(s, connAddr)
				if err == nil && got != id {
					err = fmt.Errorf("after the rename the id is %s, want %s: it was replaced, not updated", got, id)
				}
				return err
			},
		},
	))
}

// A connection that cannot log in is stopped before anything is saved: by the direct check from
// here, and by integrator.io's own test of the unsaved connection.
func TestAccConnectivityCheck_wrongPasswordCreatesNothing(t *testing.T) {
	t.Parallel()
	tg := acctest.Live(t)
	pg := acctest.LivePG(t)
	name := acctest.RandomName("wrong-password")
	wrong := pg
	wrong.Password = "tf-acc-not-the-password"
	resource.Test(t, accCase(t, tg,
		resource.TestStep{
			Config: accConfig(tg, livePGBody(wrong, name, "")),
			ExpectError: acctest.ErrorText("Direct Connectivity Check Failed",
				fmt.Sprintf("PostgreSQL rejected the password of user %q", pg.User),
				"Nothing was created or changed."),
		},
		resource.TestStep{
			Config: accConfig(tg, livePGBody(wrong, name, "  connectivity_check = { direct = false }\n")),
			ExpectError: acctest.ErrorText("integrator.io Connection Test Failed",
				fmt.Sprintf("integrator.io tested connection %q before saving it and reported:", name),
				"Nothing was created or changed."),
		},
	))
	conns, err := tg.Client(t).Connections.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range conns {
		if c.Name == name {
			t.Fatalf("a failed check left connection %s (%q) in the account", c.ID, c.Name)
		}
	}
}

// The agent INTEGRATORIO_ACC_AGENT names is found by name, online, and then by its id.
func TestAccAgentDataSource_byNameAndID(t *testing.T) {
	t.Parallel()
	tg := acctest.Live(t)
	agent := acctest.LiveAgent(t)
	resource.Test(t, accCase(t, tg, resource.TestStep{
		Config: tg.ProviderConfig() + fmt.Sprintf(`
data "integratorio_agent" "by_name" {
  name           = %q
  require_online = true
}

data "integratorio_agent" "by_id" {
  id = data.integratorio_agent.by_name.id
}
`, agent),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.integratorio_agent.by_name", tfjsonpath.New("id"), knownvalue.StringRegexp(idPattern)),
			statecheck.ExpectKnownValue("data.integratorio_agent.by_name", tfjsonpath.New("online"), knownvalue.Bool(true)),
			statecheck.ExpectKnownValue("data.integratorio_agent.by_id", tfjsonpath.New("name"), knownvalue.StringExact(agent)),
			statecheck.ExpectKnownValue("data.integratorio_agent.by_id", tfjsonpath.New("online"), knownvalue.Bool(true)),
		},
	}))
}
