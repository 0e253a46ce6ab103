package provider_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// A connection integrator.io marked offline after the apply (a failed test or flow) is warned
// about in every plain plan, though the plan changes nothing; once a test passes, the warning goes.
func TestEmulatorCLI_offlineWarnsInEveryPlan(t *testing.T) {
	t.Parallel()
	var failing atomic.Bool
	env := acctest.NewEnv(t, emulator.Config{
		Pinger: func(context.Context, emulator.PingTarget) error {
			if failing.Load() {
				return errors.New(`password authentication failed for user "svc"`)
			}
			return nil
		},
	})
	cli := newCLI(t, env)
	config := `
resource "integratorio_postgres_connection" "test" {
  name     = "Goes offline"
  host     = "db.example.com"
  database = "orders"
  username = "svc"
  password = "svc-password"
  use_ssl  = true
  connectivity_check = { direct = false }
}
`
	if out, err := cliOutput(t, cli, config, "apply", "-auto-approve", "-no-color"); err != nil {
		t.Fatalf("apply failed:\n%s", out)
	}
	id := env.Emulator.Connections()[0]["_id"].(string)

	failing.Store(true)
	if err := apiClient(t, env).Connections.Ping(t.Context(), id); err == nil {
		t.Fatal("the failing test passed")
	}
	for range 2 { // every plan, not only the first after the change
		out, err := cliOutput(t, cli, config, "plan", "-no-color")
		if err != nil {
			t.Fatalf("plan failed:\n%s", out)
		}
		wantIn(t, out, "No changes.", "Warning: Connection Offline",
			`integrator.io marks connection "Goes offline" (`+id+`) offline: a test or a flow failed to connect with it, so flows that use it are paused until a test passes.`,
			"invoke the integratorio_connection_test action (terraform apply -invoke=action.integratorio_connection_test.NAME, Terraform 1.14 or later)")
		wantNotIn(t, out, "This plan changes the connection")
	}
	out, _ := cliOutput(t, cli, strings.Replace(config, `"Goes offline"`, `"Renamed"`, 1), "plan", "-no-color")
	wantIn(t, out, "Warning: Connection Offline", "This plan changes the connection, and the apply tests it after saving: a passing test brings it back online.")

	failing.Store(false)
	if err := apiClient(t, env).Connections.Ping(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	out, err := cliOutput(t, cli, config, "plan", "-no-color")
	if err != nil {
		t.Fatalf("plan failed:\n%s", out)
	}
	wantIn(t, out, "No changes.")
	wantNotIn(t, out, "Connection Offline")
}
