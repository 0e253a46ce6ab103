package provider_test

import (
	"fmt"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// Agent problems that are knowable at plan show there: an agent_id that names no agent fails the
// plan, and an agent the data source reports offline is warned about before anything is applied.
func TestEmulatorCLI_agentProblemsAtPlan(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	agent := addAgent(t, env, emulator.AgentSpec{Name: "dc1-agent", Online: true})
	if err := env.Emulator.SetAgentOnline(agent, false); err != nil {
		t.Fatal(err)
	}
	cli := newCLI(t, env)
	conn := func(agentID string) string {
		return fmt.Sprintf(`
resource "integratorio_postgres_connection" "test" {
  name     = "Behind the firewall"
  mode     = "on_premise"
  agent_id = %s
  host     = "db.internal"
  database = "orders"
  username = "svc"
  password = "svc-password"
}
`, agentID)
	}

	missing := "5f96e6a30a45077b3a08f3c9"
	out, err := cliOutput(t, cli, conn(fmt.Sprintf("%q", missing)), "plan", "-no-color")
	if err == nil {
		t.Fatalf("a plan with an agent that does not exist passed:\n%s", out)
	}
	wantIn(t, out, "Error: Agent Not Found", fmt.Sprintf(`: agent_id = "%s"`, missing),
		"No on-premise agent with id "+missing+" exists in this integrator.io account, so this connection could never reach its database.")

	out, err = cliOutput(t, cli, `
data "integratorio_agent" "dc1" {
  name = "dc1-agent"
}
`+conn("data.integratorio_agent.dc1.id"), "plan", "-no-color")
	if err != nil {
		t.Fatalf("the plan failed:\n%s", out)
	}
	wantIn(t, out, "Warning: Agent Offline", ": agent_id = data.integratorio_agent.dc1.id",
		fmt.Sprintf(`Agent "dc1-agent" (%s) is offline: its last heartbeat was at`, agent),
		"The apply checks the agent first and will fail, saving nothing, unless the agent is running by then")
	if n := creates(env); n != 0 {
		t.Fatalf("a plan sent %d creates", n)
	}
}
