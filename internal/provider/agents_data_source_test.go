package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// The agent INTEGRATORIO_ACC_AGENT names is among the account's agents, online, with and without
// filters that select it.
func TestAccAgentsDataSource_findsTheAgent(t *testing.T) {
	t.Parallel()
	tg := acctest.Live(t)
	agent := acctest.LiveAgent(t)
	resource.Test(t, accCase(t, tg, resource.TestStep{
		Config: tg.ProviderConfig() + fmt.Sprintf(`
data "integratorio_agent" "known" {
  name = %[1]q
}
data "integratorio_agents" "online" {
  name_prefix = %[1]q
  online      = true
}
data "integratorio_agents" "offline" {
  name_prefix = %[1]q
  online      = false
}
`, agent),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.integratorio_agents.online", tfjsonpath.New("agents").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact(agent)),
			statecheck.ExpectKnownValue("data.integratorio_agents.online", tfjsonpath.New("agents").AtSliceIndex(0).AtMapKey("online"), knownvalue.Bool(true)),
			statecheck.CompareValuePairs("data.integratorio_agents.online", tfjsonpath.New("ids").AtSliceIndex(0),
				"data.integratorio_agent.known", tfjsonpath.New("id"), compareEqual{}),
			statecheck.ExpectKnownValue("data.integratorio_agents.offline", tfjsonpath.New("agents"), knownvalue.ListSizeExact(0)),
		},
	}))
}

func TestEmulatorAgentsDataSource_filters(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	dc1 := addAgent(t, env, emulator.AgentSpec{Name: "dc1-agent", Version: "3.0.5", Online: true})
	dc2 := addAgent(t, env, emulator.AgentSpec{Name: "dc2-agent"})
	lab := addAgent(t, env, emulator.AgentSpec{Name: "lab", Online: true})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
data "integratorio_agents" "all" {}
data "integratorio_agents" "dc" {
  name_prefix = "dc"
}
data "integratorio_agents" "dc_online" {
  name_prefix = "dc"
  online      = true
}
data "integratorio_agents" "offline" {
  online = false
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.integratorio_agents.all", tfjsonpath.New("ids"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(dc1), knownvalue.StringExact(dc2), knownvalue.StringExact(lab)})),
				statecheck.ExpectKnownValue("data.integratorio_agents.dc", tfjsonpath.New("ids"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(dc1), knownvalue.StringExact(dc2)})),
				statecheck.ExpectKnownValue("data.integratorio_agents.dc_online", tfjsonpath.New("agents"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"id": knownvalue.StringExact(dc1), "name": knownvalue.StringExact("dc1-agent"), "version": knownvalue.StringExact("3.0.5"),
						"online": knownvalue.Bool(true), "last_heartbeat_at": knownvalue.NotNull(),
					})})),
				statecheck.ExpectKnownValue("data.integratorio_agents.offline", tfjsonpath.New("agents"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"id": knownvalue.StringExact(dc2), "online": knownvalue.Bool(false), "last_heartbeat_at": knownvalue.Null(),
					})})),
			},
		}},
	})
}

func TestEmulatorAgentsDataSource_scopedToken(t *testing.T) {
	t.Parallel()
	env := scopedEnv(t, emulator.Config{}, `{"connections":"full"}`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      env.ProviderConfig() + "data \"integratorio_agents\" \"all\" {}\n",
			ExpectError: acctest.ErrorText("Token Lacks Agent Access", "The API token lacks access to on-premise agents"),
		}},
	})
}
