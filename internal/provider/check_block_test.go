package provider_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// TestEmulatorCheckBlock_watchingConnections runs the guide's check-block example
// (examples/guides/watching-connections) through the real CLI: while the connection and its agent
// are online a plan says nothing; once integrator.io's test marks the connection offline, or the
// agent goes down, every plan warns, naming it, and still succeeds with no change planned.
func TestEmulatorCheckBlock_watchingConnections(t *testing.T) {
	t.Parallel()
	acctest.SkipCLIBelow(t, 1, 11, "the example's ephemeral variable feeding password_wo")
	var failing atomic.Bool
	env := acctest.NewEnv(t, emulator.Config{Pinger: func(context.Context, emulator.PingTarget) error {
		if failing.Load() {
			return errors.New("password authentication failed for user \"integrator\"")
		}
		return nil
	}})
	agentID, err := env.Emulator.AddAgent(emulator.AgentSpec{Name: "dc1-agent", Online: true})
	if err != nil {
		t.Fatal(err)
	}
	cli := newCLI(t, env)
	example, err := os.ReadFile(filepath.Join("..", "..", "examples", "guides", "watching-connections", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, cli.Dir, "main.tf", string(example))
	vars := []string{"-no-color", "-input=false", "-var", `db={host="10.20.0.15", port=5432, database="warehouse", username="integrator"}`,
		"-var", "db_password=tf-acc-watch-password"}
	run := func(args ...string) clirunner.Result {
		t.Helper()
		res := cli.Run(t.Context(), append(args, vars...)...)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		return res
	}
	const warned = "Check block assertion failed"
	plan := func() string {
		t.Helper()
		// The plan succeeds (a failed check is a warning) and changes nothing. Not
		// -detailed-exitcode: Terraform always plans a check's data sources to be read again
		// during apply, so that exits 2 even with nothing to change (the guide says so).
		out := strings.Join(strings.Fields(run("plan").Output()), " ")
		if !strings.Contains(out, "Plan: 0 to add, 0 to change, 0 to destroy.") {
			t.Fatalf("the plan is not empty:\n%s", out)
		}
		return out
	}

	run("apply", "-auto-approve")
	if out := plan(); strings.Contains(out, warned) {
		t.Fatalf("a plan warned while the connection and its agent are online:\n%s", out)
	}

	// A failed test, as a failed flow or the UI's Test button would run it, marks it offline.
	id := onlyConnectionID(t, env)
	failing.Store(true)
	if err := apiClient(t, env).Connections.Ping(t.Context(), id); err == nil {
		t.Fatal("the emulator's test passed; want it to fail")
	}
	out := plan()
	for _, want := range []string{warned, `check "warehouse_connection_online"`,
		fmt.Sprintf("Connection Warehouse DB (watched) (%s) is offline in integrator.io: flows using it are paused.", id)} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan after the connection went offline lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, `check "warehouse_agent_online"`) {
		t.Errorf("the agent check warned while the agent is online:\n%s", out)
	}

	// Back online (a passing test), then the agent goes down: only the agent check warns.
	failing.Store(false)
	if err := apiClient(t, env).Connections.Ping(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if err := env.Emulator.SetAgentOnline(agentID, false); err != nil {
		t.Fatal(err)
	}
	out = plan()
	if !strings.Contains(out, `check "warehouse_agent_online"`) || !strings.Contains(out, "Agent dc1-agent is offline (last seen") {
		t.Errorf("the plan after the agent went down does not warn about it:\n%s", out)
	}
	if strings.Contains(out, `check "warehouse_connection_online"`) {
		t.Errorf("the connection check warned while the connection is online:\n%s", out)
	}

	if err := env.Emulator.SetAgentOnline(agentID, true); err != nil {
		t.Fatal(err)
	}
	if out := plan(); strings.Contains(out, warned) {
		t.Errorf("a plan warned once everything is back online:\n%s", out)
	}
	run("destroy", "-auto-approve")
}

// onlyConnectionID is the id of the one connection the emulator holds.
func onlyConnectionID(t *testing.T, env *acctest.Env) string {
	t.Helper()
	conns := env.Emulator.Connections()
	if len(conns) != 1 {
		t.Fatalf("the emulator holds %d connections, want 1", len(conns))
	}
	id, _ := conns[0]["_id"].(string)
	return id
}
