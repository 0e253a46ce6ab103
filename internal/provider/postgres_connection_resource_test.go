package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
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
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/pgserver"
)

const connAddr = "integratorio_postgres_connection.test"

// connConfig renders a resource block; body holds the attributes beyond the fixed server ones.
func connConfig(env *acctest.Env, body string) string {
	return env.ProviderConfig() + "\nresource \"integratorio_postgres_connection\" \"test\" {\n" + body + "\n}\n"
}

// pgBody is the body of a connection that logs in to pg with its password over TLS.
func pgBody(pg *pgserver.Server, name string, extra string) string {
	return fmt.Sprintf(`
  name     = %q
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = %q
  use_ssl  = true
  ssl_ca   = %q
%s`, name, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password, pg.CA, extra)
}

// storedConnection returns the one connection the emulator holds, unmasked.
func storedConnection(t *testing.T, env *acctest.Env) map[string]any {
	t.Helper()
	conns := env.Emulator.Connections()
	if len(conns) != 1 {
		t.Fatalf("the emulator holds %d connections, want 1", len(conns))
	}
	return conns[0]
}

func rdbmsField(doc map[string]any, field string) any {
	rdbms, _ := doc["rdbms"].(map[string]any)
	return rdbms[field]
}

// apiClient talks to the emulator as an outside user would, for out-of-band changes.
func apiClient(t *testing.T, env *acctest.Env) *client.Client {
	t.Helper()
	c, err := client.New(client.WithBaseURL(env.URL), client.WithToken(env.Token))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// editOutOfBand changes a connection as someone in the integrator.io UI would: read it, edit it,
// save it whole. The secrets come back masked, so edit must set any it means to keep; the others
// are cleared rather than saved as the mask.
func editOutOfBand(t *testing.T, env *acctest.Env, id string, edit func(*client.RDBMS)) {
	t.Helper()
	c := apiClient(t, env)
	doc, err := c.Connections.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	unmask := func(secret *string) {
		if client.IsMasked(*secret) {
			*secret = ""
		}
	}
	unmask(&doc.RDBMS.Password)
	if doc.RDBMS.SSL != nil {
		unmask(&doc.RDBMS.SSL.Key)
		unmask(&doc.RDBMS.SSL.Passphrase)
	}
	edit(doc.RDBMS)
	if _, err := c.Connections.Replace(context.Background(), id, doc); err != nil {
		t.Fatal(err)
	}
}

func TestEmulatorPostgresConnection_lifecycle(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	pings := func() int { return env.Emulator.Stats()["POST /v1/connections/ping"] }
	var pingsBefore int

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: connConfig(env, pgBody(pg, "Orders DB", `
  concurrency_level = 7
  properties = { statement_timeout = "30000" }
`)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{24}$`))),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("mode"), knownvalue.StringExact("cloud")),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("port"), knownvalue.Int64Exact(int64(pg.Port))),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("offline"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("ssl_verify_server_certificate"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("concurrency_level"), knownvalue.Int64Exact(7)),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("properties"),
						knownvalue.MapExact(map[string]knownvalue.Check{"statement_timeout": knownvalue.StringExact("30000")})),
				},
				Check: func(*terraform.State) error {
					doc := storedConnection(t, env)
					if got := rdbmsField(doc, "password"); got != pg.Password {
						return fmt.Errorf("stored password %v, want the configured one", got)
					}
					if doc["name"] != "Orders DB" || fmt.Sprint(rdbmsField(doc, "concurrencyLevel")) != "7" {
						return fmt.Errorf("stored name %v, concurrency level %v: not the configured ones", doc["name"], rdbmsField(doc, "concurrencyLevel"))
					}
					pingsBefore = pings()
					if pingsBefore != 1 {
						return fmt.Errorf("integrator.io's connection test ran %d times before the create, want 1", pingsBefore)
					}
					return nil
				},
			},
			{
				ResourceName:            connAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password", "ssl_ca"}, // masked by integrator.io
			},
			{
				// A rename changes no connection setting: no check runs, and the password is resent.
				Config: connConfig(env, pgBody(pg, "Orders DB (renamed)", `
  concurrency_level = 7
  properties = { statement_timeout = "30000" }
`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate)},
				},
				Check: func(*terraform.State) error {
					doc := storedConnection(t, env)
					if doc["name"] != "Orders DB (renamed)" || rdbmsField(doc, "password") != pg.Password {
						return fmt.Errorf("after the rename the stored name is %v (and the password was resent: %t)", doc["name"], rdbmsField(doc, "password") == pg.Password)
					}
					if pings() != pingsBefore {
						return fmt.Errorf("a rename ran integrator.io's connection test")
					}
					return nil
				},
			},
			{
				// Removing concurrency_level returns to the default; certificate checks relaxed.
				Config: connConfig(env, pgBody(pg, "Orders DB (renamed)", `
  ssl_verify_server_certificate = false
`)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("concurrency_level"), knownvalue.Int64Exact(5)),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("properties"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					doc := storedConnection(t, env)
					if rdbmsField(doc, "disableStrictSSL") != true || rdbmsField(doc, "options") != nil {
						return fmt.Errorf("stored disableStrictSSL %v and options %v", rdbmsField(doc, "disableStrictSSL"), rdbmsField(doc, "options"))
					}
					if pings() != pingsBefore+1 {
						return fmt.Errorf("changing SSL settings ran %d connection tests, want 1", pings()-pingsBefore)
					}
					return nil
				},
			},
			{
				Config: connConfig(env, pgBody(pg, "Orders DB (renamed)", `
  ssl_verify_server_certificate = false
`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestEmulatorPostgresConnection_certificateLoginWithEncryptedKey(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: connConfig(env, fmt.Sprintf(`
  name            = "Cert login"
  host            = %q
  port            = %d
  database        = %q
  username        = %q
  use_ssl         = true
  ssl_ca          = %q
  ssl_certificate = %q
  ssl_key         = %q
  ssl_passphrase  = %q
`, pg.Host, pg.Port, pg.Database, pg.CertUser, pg.CA, pg.ClientCert, pg.ClientKeyEncrypted, pg.ClientKeyPassphrase)),
				Check: func(*terraform.State) error {
					ssl, _ := rdbmsField(storedConnection(t, env), "ssl").(map[string]any)
					if ssl["key"] != pg.ClientKeyEncrypted || ssl["passphrase"] != pg.ClientKeyPassphrase {
						return fmt.Errorf("the stored key or passphrase is not the configured one")
					}
					return nil
				},
			},
			{
				ResourceName:      connAddr,
				ImportState:       true,
				ImportStateVerify: true,
				// integrator.io masks the certificates like the key (see certificatesMaskedOrReturned).
				ImportStateVerifyIgnore: []string{"ssl_ca", "ssl_certificate", "ssl_key", "ssl_passphrase"},
			},
		},
	})
}

// Changes made in integrator.io show as drift and are put back; a connection deleted there is
// created again.
func TestAccPostgresConnection_driftAndOutOfBandDeletion(t *testing.T) {
	t.Parallel()
	tg := acctest.Live(t)
	pg := acctest.LivePG(t)
	config := accConfig(tg, livePGBody(pg, acctest.RandomName("drift"), ""))
	var id string
	resource.Test(t, accCase(t, tg,
		resource.TestStep{
			Config: config,
			Check:  func(s *terraform.State) (err error) { id, err = stateID(s, connAddr); return err },
		},
		resource.TestStep{
			// Someone changes the host and the database in the UI.
			PreConfig: func() {
				editRemote(t, tg, id, func(db *client.RDBMS) {
					db.Host, db.Database, db.Password = "elsewhere.example.com", "other", pg.Password
					if db.SSL != nil {
						db.SSL.CA = pg.CA
					}
				})
			},
			Config:             config,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		},
		resource.TestStep{
			// Applying puts it back.
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				checkRemote(t, tg, connAddr, func(c *client.Connection) error {
					if c.RDBMS.Host != pg.Host || c.RDBMS.Database != pg.Database {
						return fmt.Errorf("after apply integrator.io holds host %q, database %q", c.RDBMS.Host, c.RDBMS.Database)
					}
					return nil
				}),
				checkTestPasses(t, tg, connAddr),
			),
		},
		resource.TestStep{
			// Someone deletes it: the plan creates it again.
			PreConfig: func() {
				if err := tg.Client(t).Connections.Delete(context.Background(), id); err != nil {
					t.Fatal(err)
				}
			},
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionCreate)},
			},
		},
	))
}

func TestEmulatorPostgresConnection_writeOnlyPassword(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	body := func(version int) string {
		return fmt.Sprintf(`
  name                = "Write-only"
  host                = %q
  port                = %d
  database            = %q
  username            = %q
  password_wo         = %q
  password_wo_version = %d
`, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password, version)
	}
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: connConfig(env, body(1)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("password"), knownvalue.Null()),
					expectNoSecretInState(pg.Password),
				},
				Check: func(*terraform.State) error {
					if got := rdbmsField(storedConnection(t, env), "password"); got != pg.Password {
						return fmt.Errorf("the write-only password did not reach integrator.io")
					}
					return nil
				},
			},
			{
				Config:           connConfig(env, body(1)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Rotation: the emulator's copy is overwritten out of band, bumping the version resends.
				PreConfig: func() {
					editOutOfBand(t, env, storedConnection(t, env)["_id"].(string), func(db *client.RDBMS) {
						db.Password = "stale-password"
					})
				},
				Config: connConfig(env, body(2)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(2)),
					expectNoSecretInState(pg.Password),
				},
				Check: func(*terraform.State) error {
					if got := rdbmsField(storedConnection(t, env), "password"); got != pg.Password {
						return fmt.Errorf("bumping password_wo_version did not resend the password")
					}
					return nil
				},
			},
		},
	})
}

// expectNoSecretInState fails when the secret appears anywhere in the state.
func expectNoSecretInState(secret string) statecheck.StateCheck { return noSecretCheck{secret} }

type noSecretCheck struct{ secret string }

func (c noSecretCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil {
		return
	}
	var found []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case string:
			if strings.Contains(x, c.secret) {
				found = append(found, path)
			}
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		}
	}
	for _, r := range req.State.Values.RootModule.Resources {
		walk(r.Address, r.AttributeValues)
	}
	if len(found) > 0 {
		resp.Error = fmt.Errorf("the secret is stored in state at %s", strings.Join(found, ", "))
	}
}

func TestEmulatorPostgresConnection_writeOnlyClientKey(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	body := func(version int) string {
		return fmt.Sprintf(`
  name               = "Write-only key"
  host               = %q
  port               = %d
  database           = %q
  username           = %q
  use_ssl            = true
  ssl_ca             = %q
  ssl_certificate    = %q
  ssl_key_wo         = %q
  ssl_passphrase_wo  = %q
  ssl_key_wo_version = %d
`, pg.Host, pg.Port, pg.Database, pg.CertUser, pg.CA, pg.ClientCert, pg.ClientKeyEncrypted, pg.ClientKeyPassphrase, version)
	}
	storedKey := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			ssl, _ := rdbmsField(storedConnection(t, env), "ssl").(map[string]any)
			if ssl["key"] != want || ssl["passphrase"] != pg.ClientKeyPassphrase {
				return fmt.Errorf("integrator.io does not hold the configured write-only key and passphrase")
			}
			return nil
		}
	}
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: connConfig(env, body(1)),
				ConfigStateChecks: []statecheck.StateCheck{
					expectNoSecretInState(pg.ClientKeyEncrypted),
					expectNoSecretInState(pg.ClientKeyPassphrase),
				},
				Check: storedKey(pg.ClientKeyEncrypted),
			},
			{
				Config:           connConfig(env, body(1)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Rotation: integrator.io's copy is overwritten out of band; bumping the version resends it.
				PreConfig: func() {
					editOutOfBand(t, env, storedConnection(t, env)["_id"].(string), func(db *client.RDBMS) {
						db.SSL.Key, db.SSL.Passphrase = "stale", pg.ClientKeyPassphrase
					})
				},
				Config: connConfig(env, body(2)),
				Check:  storedKey(pg.ClientKeyEncrypted),
			},
		},
	})
}
