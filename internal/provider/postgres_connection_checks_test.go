package provider_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// creates counts the POSTs that reached the emulator's create endpoint.
func creates(env *acctest.Env) int { return env.Emulator.Stats()["POST /v1/connections"] }

// closedPort returns a loopback port with nothing listening on it.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestEmulatorConnectivityCheck_directFailureCreatesNothing(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	wrongPassword := fmt.Sprintf(`
  name     = "Wrong password"
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = "not-the-password"
`, pg.Host, pg.Port, pg.Database, pg.PasswordUser)
	missingDB := fmt.Sprintf(`
  name     = "Missing database"
  host     = %q
  port     = %d
  database = "no_such_db"
  username = %q
  password = %q
`, pg.Host, pg.Port, pg.PasswordUser, pg.Password)
	wrongCA := fmt.Sprintf(`
  name     = "Wrong CA"
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = %q
  use_ssl  = true
  ssl_ca   = %q
`, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password, pg.WrongCA)
	refused := fmt.Sprintf(`
  name     = "Nothing listens"
  host     = "127.0.0.1"
  port     = %d
  database = "x"
  username = "x"
  password = "x-password"
  connectivity_check = { timeout = "1s" }
`, closedPort(t))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: connConfig(env, wrongPassword),
				ExpectError: acctest.ErrorText("Direct Connectivity Check Failed",
					fmt.Sprintf(`Terraform could not log in to PostgreSQL at %s:%d (database %q, user %q) from this machine: PostgreSQL rejected the password of user %q`,
						pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.PasswordUser),
					"How to fix: Check user and password; both are case-sensitive.",
					"Nothing was created or changed."),
			},
			{
				Config:      connConfig(env, missingDB),
				ExpectError: acctest.ErrorText("Direct Connectivity Check Failed", `database "no_such_db" does not exist`),
			},
			{
				Config: connConfig(env, wrongCA),
				ExpectError: acctest.ErrorText("Direct Connectivity Check Failed",
					"the server certificate of", "is not signed by the configured ssl_ca"),
			},
			{
				Config:      connConfig(env, refused),
				ExpectError: acctest.ErrorText("Direct Connectivity Check Failed", "connection refused by 127.0.0.1:"),
			},
		},
	})
	if n := creates(env); n != 0 {
		t.Fatalf("failed checks sent %d creates to integrator.io, want 0", n)
	}
	if n := len(env.Emulator.Connections()); n != 0 {
		t.Fatalf("failed checks left %d connections behind", n)
	}
}

func TestEmulatorConnectivityCheck_apiFailureReachesTheUser(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	port := closedPort(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: connConfig(env, fmt.Sprintf(`
  name     = "Unreachable from integrator.io"
  host     = "127.0.0.1"
  port     = %d
  database = "x"
  username = "x"
  password = "x-password"
  connectivity_check = { direct = false }
`, port)),
			ExpectError: acctest.ErrorText("integrator.io Connection Test Failed",
				`integrator.io tested connection "Unreachable from integrator.io" before saving it and reported:`,
				fmt.Sprintf("127.0.0.1:%d", port),
				"Nothing was created or changed.", "connectivity_check = { via_api = false }"),
		}},
	})
	if n := creates(env); n != 0 {
		t.Fatalf("a failed API test was followed by %d creates, want 0", n)
	}
}

func TestEmulatorConnectivityCheck_onPremiseAgentOffline(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	agent := addAgent(t, env, emulator.AgentSpec{Name: "dc1-agent", Online: true})
	if err := env.Emulator.SetAgentOnline(agent, false); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`
  name     = "Behind the firewall"
  mode     = "on_premise"
  agent_id = %q
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = %q
`, agent, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: connConfig(env, body),
				ExpectError: acctest.ErrorText("Agent Offline",
					fmt.Sprintf(`Agent "dc1-agent" (%s) is offline: its last heartbeat was at`, agent),
					"Start the agent on its host", "nothing was saved"),
			},
			{
				// Once the agent is back, the same configuration applies.
				PreConfig: func() {
					if err := env.Emulator.SetAgentOnline(agent, true); err != nil {
						t.Fatal(err)
					}
				},
				Config: connConfig(env, body),
				Check: func(*terraform.State) error {
					if n := creates(env); n != 1 {
						return fmt.Errorf("%d creates, want exactly 1", n)
					}
					if got := storedConnection(t, env)["_agentId"]; got != agent {
						return fmt.Errorf("stored _agentId %v, want %s", got, agent)
					}
					return nil
				},
			},
		},
	})
}

func TestEmulatorConnectivityCheck_checksOff(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: connConfig(env, fmt.Sprintf(`
  name     = "Saved unchecked"
  host     = "127.0.0.1"
  port     = %d
  database = "x"
  username = "x"
  password = "x-password"
  connectivity_check = { direct = false, via_api = false }
`, closedPort(t))),
			Check: func(*terraform.State) error {
				if n := env.Emulator.Stats()["POST /v1/connections/ping"]; n != 0 {
					return fmt.Errorf("integrator.io's test ran %d times with via_api = false", n)
				}
				return nil
			},
		}},
	})
}

// TestEmulatorConnectivityCheck_agentWithScopedToken: with a token whose scope leaves agents out
// (emulator Config.ScopedTokens), the on-premise agent check says which access the token lacks
// and what to do, and nothing is saved; the way out it names (checks off) saves the connection.
func TestEmulatorConnectivityCheck_agentWithScopedToken(t *testing.T) {
	t.Parallel()
	env := scopedEnv(t, emulator.Config{
		Pinger: func(context.Context, emulator.PingTarget) error { return nil },
	}, `["connections","exports","imports"]`)
	agent := addAgent(t, env, emulator.AgentSpec{Name: "dc1-agent", Online: true})
	body := fmt.Sprintf(`
  name     = "Behind the firewall"
  mode     = "on_premise"
  agent_id = %q
  host     = "db.internal"
  database = "orders"
  username = "svc"
  password = "svc-password"
`, agent)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: connConfig(env, body),
				ExpectError: acctest.ErrorText("Token Lacks Agent Access",
					"Before saving an on-premise connection the provider checks that its agent is online, but integrator.io refused to read agent "+
						agent+" with this API token: integrator.io API: GET /agents/"+agent+": 403 forbidden:",
					"The API token lacks access to on-premise agents: reading them (GET /v1/agents) needs a token with full access, "+
						"or one whose custom scope includes agents.",
					"a full-access API token, created in integrator.io under Resources → API tokens, or one whose scope includes agents.",
					"Nothing was saved. To save the connection with this token anyway, without any check, set connectivity_check = { via_api = false, direct = false }."),
			},
			{
				PreConfig: func() {
					if n := creates(env); n != 0 {
						t.Fatalf("a refused agent check was followed by %d creates, want 0", n)
					}
				},
				Config: connConfig(env, body+"  connectivity_check = { via_api = false, direct = false }\n"),
				Check: func(*terraform.State) error {
					if got := storedConnection(t, env)["_agentId"]; got != agent {
						return fmt.Errorf("stored _agentId %v, want %s", got, agent)
					}
					return nil
				},
			},
		},
	})
}

// TestEmulatorConnectivityCheck_pingErrorsAsStrings: when integrator.io's test reports its
// failure as plain strings (emulator Config.PingErrorsAsStrings), the user reads that text.
func TestEmulatorConnectivityCheck_pingErrorsAsStrings(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{
		PingErrorsAsStrings: true,
		PingFailureStatus:   422,
		Pinger: func(context.Context, emulator.PingTarget) error {
			return errors.New(`password authentication failed for user "x"`)
		},
	})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: connConfig(env, `
  name     = "Wrong password"
  host     = "db.internal"
  database = "x"
  username = "x"
  password = "x-password"
  connectivity_check = { direct = false }
`),
			ExpectError: acctest.ErrorText("integrator.io Connection Test Failed",
				`integrator.io tested connection "Wrong password" before saving it and reported: password authentication failed for user "x"`,
				"Nothing was created or changed."),
		}},
	})
	if n := creates(env); n != 0 {
		t.Fatalf("a failed API test was followed by %d creates, want 0", n)
	}
}
