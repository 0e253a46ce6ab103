package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

func addAgent(t *testing.T, env *acctest.Env, spec emulator.AgentSpec) string {
	t.Helper()
	id, err := env.Emulator.AddAgent(spec)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestEmulatorAgentDataSource_byIDAndByName(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	id := addAgent(t, env, emulator.AgentSpec{Name: "dc1-agent", Description: "Frankfurt DC", Version: "3.0.5", Online: true})
	addAgent(t, env, emulator.AgentSpec{Name: "dc2-agent"})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + fmt.Sprintf(`
data "integratorio_agent" "by_id" {
  id = %q
}
data "integratorio_agent" "by_name" {
  name           = "dc1-agent"
  require_online = true
}
`, id),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.integratorio_agent.by_id", tfjsonpath.New("name"), knownvalue.StringExact("dc1-agent")),
				statecheck.ExpectKnownValue("data.integratorio_agent.by_id", tfjsonpath.New("description"), knownvalue.StringExact("Frankfurt DC")),
				statecheck.ExpectKnownValue("data.integratorio_agent.by_id", tfjsonpath.New("version"), knownvalue.StringExact("3.0.5")),
				statecheck.ExpectKnownValue("data.integratorio_agent.by_id", tfjsonpath.New("online"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.integratorio_agent.by_id", tfjsonpath.New("last_heartbeat_at"),
					knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`))),
				statecheck.ExpectKnownValue("data.integratorio_agent.by_id", tfjsonpath.New("created_at"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue("data.integratorio_agent.by_name", tfjsonpath.New("id"), knownvalue.StringExact(id)),
			},
		}},
	})
}

func TestEmulatorAgentDataSource_offline(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	id := addAgent(t, env, emulator.AgentSpec{Name: "sleepy", Online: true})
	if err := env.Emulator.SetAgentOnline(id, false); err != nil {
		t.Fatal(err)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + `
data "integratorio_agent" "a" {
  name = "sleepy"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.integratorio_agent.a", tfjsonpath.New("online"), knownvalue.Bool(false)),
				},
			},
			{
				Config: env.ProviderConfig() + `
data "integratorio_agent" "a" {
  name           = "sleepy"
  require_online = true
}
`,
				ExpectError: acctest.ErrorText("Agent Offline", `Agent "sleepy" (`+id+`) is offline: its last heartbeat was at 20`),
			},
		},
	})
}

func TestEmulatorAgentDataSource_neverConnected(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	addAgent(t, env, emulator.AgentSpec{Name: "new-agent"})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
data "integratorio_agent" "a" {
  name           = "new-agent"
  require_online = true
}
`,
			ExpectError: acctest.ErrorText("Agent Offline", "is offline: it has never connected. Start the agent on its host, or set require_online = false"),
		}},
	})
}

func TestEmulatorAgentDataSource_notFoundListsAgents(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	id := addAgent(t, env, emulator.AgentSpec{Name: "dc1-agent", Online: true})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + `
data "integratorio_agent" "a" {
  name = "dc1-agnet"
}
`,
				ExpectError: acctest.ErrorText("Agent Not Found", `No agent is named "dc1-agnet". Agents in this account: "dc1-agent" (`+id+`).`),
			},
			{
				Config: env.ProviderConfig() + `
data "integratorio_agent" "a" {
  id = "aaaaaaaaaaaaaaaaaaaaaaaa"
}
`,
				ExpectError: acctest.ErrorText("Agent Not Found", "No agent with id aaaaaaaaaaaaaaaaaaaaaaaa exists in this integrator.io account."),
			},
		},
	})
}

func TestEmulatorAgentDataSource_emptyAccount(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
data "integratorio_agent" "a" {
  name = "dc1-agent"
}
`,
			ExpectError: acctest.ErrorText("Agent Not Found", "The account has no agents: create one in integrator.io under Resources → Agents."),
		}},
	})
}

func TestEmulatorAgentDataSource_ambiguousName(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	a := addAgent(t, env, emulator.AgentSpec{Name: "twin", Online: true})
	b := addAgent(t, env, emulator.AgentSpec{Name: "twin", Online: true})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
data "integratorio_agent" "a" {
  name = "twin"
}
`,
			ExpectError: acctest.ErrorText("Several Agents Have This Name", `2 agents are named "twin" and 2 of them are online, so which one is meant is not clear: `+
				a+` (online, its last heartbeat was at`, b+` (online, its last heartbeat was at`, "Select one with id instead of name"),
		}},
	})
}

func TestAgentDataSource_idAndNameAreExclusive(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + `
data "integratorio_agent" "a" {
  id   = "aaaaaaaaaaaaaaaaaaaaaaaa"
  name = "x"
}
`,
				ExpectError: acctest.ErrorText("Invalid Attribute Combination", "Exactly one of these attributes must be configured: [id,name]"),
			},
			{
				Config: env.ProviderConfig() + `
data "integratorio_agent" "a" {
  id = "DC1"
}
`,
				ExpectError: acctest.ErrorText("Invalid Agent ID", `"DC1" is not an integrator.io id: ids are 24 lowercase hexadecimal characters`),
			},
		},
	})
}

// scopedEnv is an emulator whose provider configuration authenticates with a token of a custom
// scope (emulator Config.ScopedTokens), given as the JSON tokenInfo answers for it.
func scopedEnv(t *testing.T, cfg emulator.Config, scope string) *acctest.Env {
	t.Helper()
	scoped := acctest.RandomToken()
	cfg.ScopedTokens = map[string]string{scoped: scope}
	env := acctest.NewEnv(t, cfg)
	env.Token = scoped // ProviderConfig now uses it
	return env
}

// TestEmulatorAgentDataSource_scopedToken: a token whose scope (of any shape) leaves agents out
// configures the provider, and the data source says what access is missing and what to do.
func TestEmulatorAgentDataSource_scopedToken(t *testing.T) {
	t.Parallel()
	env := scopedEnv(t, emulator.Config{}, `{"connections":"full","exports":["read"],"imports":null}`)
	id := addAgent(t, env, emulator.AgentSpec{Name: "dc1-agent", Online: true})
	missing := []string{
		"The API token lacks access to on-premise agents: reading them (GET /v1/agents) needs a token with full access, " +
			"or one whose custom scope includes agents.",
		"Give the provider (api_token, or INTEGRATORIO_API_TOKEN) a full-access API token, created in integrator.io " +
			"under Resources → API tokens, or one whose scope includes agents.",
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + fmt.Sprintf(`
data "integratorio_agent" "a" {
  id = %q
}
`, id),
				ExpectError: acctest.ErrorText(append([]string{"Token Lacks Agent Access",
					fmt.Sprintf(`integrator.io refused to read agent %s with this API token: integrator.io API: GET /agents/%s: 403 forbidden: this API token's scope does not allow "/v1/agents/%s"`, id, id, id)},
					missing...)...),
			},
			{
				Config: env.ProviderConfig() + `
data "integratorio_agent" "a" {
  name = "dc1-agent"
}
`,
				ExpectError: acctest.ErrorText(append([]string{"Token Lacks Agent Access",
					"integrator.io refused to list the account's agents with this API token: integrator.io API: GET /agents?limit=1000: 403 forbidden"},
					missing...)...),
			},
		},
	})
}

// TestEmulatorAgentDataSource_onlineField: agent documents that carry online instead of offline
// (emulator Config.AgentOnlineField) read the same.
func TestEmulatorAgentDataSource_onlineField(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{AgentOnlineField: true})
	up := addAgent(t, env, emulator.AgentSpec{Name: "up", Online: true})
	addAgent(t, env, emulator.AgentSpec{Name: "down"})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + fmt.Sprintf(`
data "integratorio_agent" "up" {
  id             = %q
  require_online = true
}
data "integratorio_agent" "down" {
  name = "down"
}
`, up),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.integratorio_agent.up", tfjsonpath.New("online"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.integratorio_agent.down", tfjsonpath.New("online"), knownvalue.Bool(false)),
				},
			},
			{
				Config: env.ProviderConfig() + `
data "integratorio_agent" "down" {
  name           = "down"
  require_online = true
}
`,
				ExpectError: acctest.ErrorText("Agent Offline", `Agent "down" (`),
			},
		},
	})
}
