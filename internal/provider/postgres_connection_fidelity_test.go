package provider_test

// Tests of the readings of the integrator.io API that its reference leaves open (issue 11): each
// runs the real CLI against an emulator playing one reading, so the provider is proven under all.

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
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

// unmanagedFields are fields a real connection carries that the provider does not model.
var unmanagedFields = map[string]string{
	"debugDate":      `"2026-11-30T10:00:00.000Z"`,
	"debugUntil":     `"2026-11-30T11:00:00.000Z"`,
	"externalId":     `"erp-orders-42"`,
	"settings":       `{"team": "data", "limits": [1, 2]}`,
	"_integrationId": `"5f96e6a30a45077b3a08f3c9"`,
}

// An update sends the whole document, so it must keep what someone set outside Terraform: debug
// logging, integration ownership, settings, and fields integrator.io adds later.
func TestEmulatorPostgresConnection_updateKeepsUnmanagedFields(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	var id string
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: connConfig(env, pgBody(pg, "Keeps", "")),
				Check: func(*terraform.State) error {
					id, _ = storedConnection(t, env)["_id"].(string)
					return nil
				},
			},
			{
				// Someone turns on debug logging and moves the connection into an integration in the
				// integrator.io UI; then a rename and a new property are applied through Terraform.
				PreConfig: func() {
					c := apiClient(t, env)
					doc, err := c.Connections.Get(context.Background(), id)
					if err != nil {
						t.Fatal(err)
					}
					doc.Extra = map[string]json.RawMessage{}
					for k, v := range unmanagedFields {
						doc.Extra[k] = json.RawMessage(v)
					}
					doc.RDBMS.Extra = map[string]json.RawMessage{"targetConcurrencyLevel": json.RawMessage("3")}
					doc.RDBMS.Password, doc.RDBMS.SSL.CA = pg.Password, pg.CA // the UI resends what it holds
					if _, err := c.Connections.Replace(context.Background(), id, doc); err != nil {
						t.Fatal(err)
					}
				},
				Config: connConfig(env, pgBody(pg, "Keeps (renamed)", `  properties = { statement_timeout = "5000" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate)},
				},
				Check: func(*terraform.State) error {
					doc := storedConnection(t, env)
					if doc["name"] != "Keeps (renamed)" || rdbmsField(doc, "options") == nil {
						return fmt.Errorf("the update was not applied: name %v, options %v", doc["name"], rdbmsField(doc, "options"))
					}
					for k, want := range unmanagedFields {
						if got := jsonText(t, doc[k]); got != jsonText(t, json.RawMessage(want)) {
							return fmt.Errorf("the update changed %s to %s, want %s kept", k, got, want)
						}
					}
					if got := fmt.Sprint(rdbmsField(doc, "targetConcurrencyLevel")); got != "3" {
						return fmt.Errorf("the update changed rdbms.targetConcurrencyLevel to %s, want 3 kept", got)
					}
					if rdbmsField(doc, "password") != pg.Password {
						return fmt.Errorf("the update did not send the configured password")
					}
					if ssl, _ := rdbmsField(doc, "ssl").(map[string]any); ssl["ca"] != pg.CA {
						return fmt.Errorf("the update stored ssl.ca %v, not the configured CA (a mask sent back?)", ssl["ca"])
					}
					return nil
				},
			},
		},
	})
}

// createMarker is the externalId every create sends (postgres_connection_create_recovery.go).
var createMarker = regexp.MustCompile(`^terraform-create-[0-9a-f]{32}$`)

// The marker a create sends is kept on the connection and carried by every update like any
// field Terraform does not manage, with no diff in any plan; where integrator.io drops it, a
// create without faults is unaffected.
func TestEmulatorPostgresConnection_createMarker(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	for _, drop := range []bool{false, true} {
		t.Run(fmt.Sprintf("dropped=%t", drop), func(t *testing.T) {
			t.Parallel()
			env := acctest.NewEnv(t, emulator.Config{DropExternalID: drop})
			var marker any
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: connConfig(env, pgBody(pg, "Marked", "")),
						Check: func(*terraform.State) error {
							marker = storedConnection(t, env)["externalId"]
							if s, _ := marker.(string); drop != (marker == nil) || (!drop && !createMarker.MatchString(s)) {
								return fmt.Errorf("integrator.io holds externalId %v after the create", marker)
							}
							return nil
						},
					},
					{
						Config: connConfig(env, pgBody(pg, "Marked (renamed)", `  properties = { statement_timeout = "5000" }`)),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate)},
						},
						Check: func(*terraform.State) error {
							doc := storedConnection(t, env)
							if doc["name"] != "Marked (renamed)" || doc["externalId"] != marker {
								return fmt.Errorf("after the update: name %v, externalId %v (want %v kept)", doc["name"], doc["externalId"], marker)
							}
							return nil
						},
					},
				},
			})
		})
	}
}

// jsonText renders a decoded or raw JSON value canonically, for comparison.
func jsonText(t *testing.T, v any) string {
	t.Helper()
	if raw, ok := v.(json.RawMessage); ok {
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Only integrator.io's test of the saved connection sets offline. Under the reading where a new
// connection is offline until its first test, the provider tests it after the create.
func TestEmulatorPostgresConnection_newConnectionTestedAfterCreate(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{CreateOffline: true})
	savedTests := func() int { return env.Emulator.Stats()["POST /v1/connections/{id}/ping"] }
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            connConfig(env, pgBody(pg, "Fresh", "")),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("offline"), knownvalue.Bool(false))},
				Check: func(*terraform.State) error {
					if got := storedConnection(t, env)["offline"]; got != false {
						return fmt.Errorf("after the create, integrator.io holds offline = %v", got)
					}
					if n := savedTests(); n != 1 {
						return fmt.Errorf("the saved connection was tested %d times, want 1", n)
					}
					return nil
				},
			},
			{
				// A rename of an online connection changes no setting: no test, and offline is
				// planned false rather than "(known after apply)".
				Config: connConfig(env, pgBody(pg, "Fresh (renamed)", "")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(connAddr, tfjsonpath.New("offline"), knownvalue.Bool(false)),
				}},
				Check: func(*terraform.State) error {
					if n := savedTests(); n != 1 {
						return fmt.Errorf("a rename tested the saved connection (%d tests in all)", n)
					}
					return nil
				},
			},
			{
				// A changed setting is tested after the save, so the flag is known only then.
				Config: connConfig(env, pgBody(pg, "Fresh (renamed)", `  properties = { statement_timeout = "5000" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(connAddr, tfjsonpath.New("offline")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("offline"), knownvalue.Bool(false))},
				Check: func(*terraform.State) error {
					if n := savedTests(); n != 2 {
						return fmt.Errorf("the update ran %d tests of the saved connection, want 1", n-1)
					}
					return nil
				},
			},
			{
				// With integrator.io's tests turned off, nothing is tested, before or after.
				Config: connConfig(env, pgBody(pg, "Fresh (renamed)", `  connectivity_check = { via_api = false }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(connAddr, tfjsonpath.New("offline"), knownvalue.Bool(false)),
				}},
				Check: func(*terraform.State) error {
					if n := savedTests(); n != 2 {
						return fmt.Errorf("via_api = false still tested the saved connection")
					}
					return nil
				},
			},
		},
	})
}

// When integrator.io's test of the saved connection fails (here: it passes before the save and
// fails after), the connection is saved and in state, offline, with a warning that says so.
func TestEmulatorPostgresConnection_failedTestAfterSaveIsAWarning(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	var tests atomic.Int32
	pass := emulator.PostgresPinger(emulator.DefaultPingTimeout)
	env := acctest.NewEnv(t, emulator.Config{Pinger: func(ctx context.Context, target emulator.PingTarget) error {
		if tests.Add(1) == 1 {
			return pass(ctx, target) // the test of the unsaved connection
		}
		return &emulator.PingError{Code: 401, Message: "password authentication failed for user \"svc\" (from the agent's network)"}
	}})
	cli := newCLI(t, env)
	writeFile(t, cli.Dir, "main.tf", requiredProviders+"\nresource \"integratorio_postgres_connection\" \"test\" {\n"+
		pgBody(pg, "Flaky", "")+"\n}\n")
	res := cli.Run(t.Context(), "apply", "-auto-approve", "-no-color")
	if res.Err != nil {
		t.Fatalf("apply failed: %v\n%s", res.Err, res.Output())
	}
	out := strings.Join(strings.Fields(res.Output()), " ")
	for _, want := range []string{
		"Warning: Connection Saved but integrator.io's Test of It Failed",
		`Connection "Flaky" (`,
		`was saved. integrator.io's test of the saved connection then reported: password authentication failed for user "svc" (from the agent's network)`,
		"integrator.io marks it offline: flows that use it will not run until a test passes.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, res.Output())
		}
	}
	if strings.Contains(res.Output(), pg.Password) {
		t.Error("the apply output holds the password")
	}
	show := cli.Run(t.Context(), "show", "-json")
	if show.Err != nil {
		t.Fatal(show.Err)
	}
	if !strings.Contains(show.Stdout, `"offline":true`) {
		t.Errorf("state does not record the connection as offline: %s", show.Stdout)
	}
	if got := storedConnection(t, env)["offline"]; got != true {
		t.Errorf("integrator.io holds offline = %v, want true", got)
	}
}

// use_ssl = true without material is sent as an empty ssl object. Whether integrator.io keeps or
// drops it, the next plan is empty, and the plan warns how to pin TLS.
func TestEmulatorPostgresConnection_sslWithoutMaterial(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	body := fmt.Sprintf(`
  name     = "TLS, no CA"
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = %q
  use_ssl  = true
  ssl_verify_server_certificate = false
`, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password)
	for _, drop := range []bool{false, true} {
		t.Run(fmt.Sprintf("DropEmptySSL=%t", drop), func(t *testing.T) {
			t.Parallel()
			env := acctest.NewEnv(t, emulator.Config{DropEmptySSL: drop})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: connConfig(env, body),
						Check: func(*terraform.State) error {
							_, kept := storedConnection(t, env)["rdbms"].(map[string]any)["ssl"]
							if kept == drop {
								return fmt.Errorf("the emulator did not play its reading: empty ssl stored = %t", kept)
							}
							return nil
						},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("use_ssl"), knownvalue.Bool(true)),
						},
					},
					{
						Config:           connConfig(env, body),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					},
				},
			})
		})
	}
	t.Run("plan warns", func(t *testing.T) {
		t.Parallel()
		env := acctest.NewEnv(t, emulator.Config{})
		cli := newCLI(t, env)
		writeFile(t, cli.Dir, "main.tf", requiredProviders+"\nresource \"integratorio_postgres_connection\" \"test\" {\n"+body+"\n}\n")
		// At plan, not validate: whether integrator.io already holds a CA is known only there.
		res := cli.Run(t.Context(), "plan", "-no-color")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		out := strings.Join(strings.Fields(res.Output()), " ")
		for _, want := range []string{
			"Warning: SSL Without a Certificate Authority",
			"integrator.io has no setting that turns SSL on: it uses SSL when a CA, a client certificate or a key is given.",
			"set ssl_ca to the PEM of the certificate authority that signed the server's certificate",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("plan output lacks %q:\n%s", want, res.Output())
			}
		}
	})
}

// The password rule at plan follows the integrator.io form: only CA, certificate and key together
// waive it. Where the API requires one anyway (Celigo's schema), its refusal names password and
// says how to fix it, and nothing is created.
func TestEmulatorPostgresConnection_passwordRules(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	certLogin := func(withCA bool) string {
		ca := ""
		if withCA {
			ca = fmt.Sprintf("  ssl_ca = %q\n", pg.CA)
		}
		return fmt.Sprintf(`
  name            = "Cert login"
  host            = %q
  port            = %d
  database        = %q
  username        = %q
  use_ssl         = true
  ssl_certificate = %q
  ssl_key         = %q
  ssl_verify_server_certificate = false
%s`, pg.Host, pg.Port, pg.Database, pg.CertUser, pg.ClientCert, pg.ClientKey, ca)
	}
	t.Run("certificate and key without CA", func(t *testing.T) {
		t.Parallel()
		env := acctest.NewEnv(t, emulator.Config{})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:   connConfig(env, certLogin(false)),
				PlanOnly: true,
				ExpectError: acctest.ErrorText(`Missing Password`, `with integratorio_postgres_connection.test`,
					"Only a connection that gives ssl_ca, ssl_certificate and ssl_key (certificate login, with use_ssl = true) may go without"),
			}},
		})
	})
	t.Run("API requires a password", func(t *testing.T) {
		t.Parallel()
		env := acctest.NewEnv(t, emulator.Config{PasswordAlwaysRequired: true})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config: connConfig(env, certLogin(true)),
				ExpectError: acctest.ErrorText(`integrator.io Rejected the Connection`, `with integratorio_postgres_connection.test`,
					`integrator.io refused connection "Cert login": rdbms.password is required (field rdbms.password).`,
					"How to fix: set password, or password_wo to keep it out of Terraform state. With certificate login any value will do",
					"Nothing was created or changed."),
			}},
		})
		if n := creates(env); n != 0 {
			t.Errorf("%d creates after a refused connection", n)
		}
	})
}

// integrator.io masks ssl.ca and ssl.cert like the password (Celigo's schema marks them
// write-only), or returns them, or leaves them out. Under each reading refresh plans nothing;
// import recovers them only when they are returned; and a CA changed outside Terraform is seen
// only when they are returned.
func TestEmulatorPostgresConnection_certificatesMaskedReturnedOrOmitted(t *testing.T) {
	t.Parallel()
	certificateReadings(t, true)
}

// The same readings give the same plans on Terraform 1.16, which keeps the resource's private
// state (what a save's answer hid) between plan and apply; the test above runs on the default CLI
// (Terraform 1.11 in CI, which does not). Not parallel: the CLI is set for this test.
func TestEmulatorPostgresConnection_certificatesMaskedReturnedOrOmittedTerraform116(t *testing.T) {
	acctest.UseTerraform116(t)
	certificateReadings(t, false)
}

func certificateReadings(t *testing.T, parallel bool) {
	pg := acctest.Postgres(t)
	readings := map[string]emulator.Config{
		"masked":   {},
		"returned": {ReturnCertificates: true},
		"omitted":  {OmitCertificates: true},
	}
	for name, cfg := range readings {
		t.Run(name, func(t *testing.T) {
			if parallel {
				t.Parallel()
			}
			returned := cfg.ReturnCertificates
			env := acctest.NewEnv(t, cfg)
			config := connConfig(env, pgBody(pg, "Certificates", ""))
			importIgnore := []string{"password"}
			if !returned {
				importIgnore = append(importIgnore, "ssl_ca")
			}
			driftSeen := plancheck.ExpectEmptyPlan()
			if returned {
				driftSeen = plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate)
			}
			var id string
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: config,
						Check: func(*terraform.State) error {
							id, _ = storedConnection(t, env)["_id"].(string)
							got, err := apiClient(t, env).Connections.Get(context.Background(), id)
							if err != nil {
								return err
							}
							if ca := got.RDBMS.SSL.CA; (ca == pg.CA) != returned || (name == "omitted") != (ca == "") {
								return fmt.Errorf("the emulator did not play its reading: ssl.ca read as %.20q", ca)
							}
							return nil
						},
					},
					{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
					{ResourceName: connAddr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: importIgnore},
					{
						// The CA is replaced in the integrator.io UI (with the same one, re-encoded).
						PreConfig: func() {
							editOutOfBand(t, env, id, func(db *client.RDBMS) {
								db.Password = pg.Password
								db.SSL.CA = strings.ReplaceAll(pg.CA, "\n", "\r\n")
							})
						},
						Config:           config,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{driftSeen}},
					},
				},
			})
		})
	}
}
