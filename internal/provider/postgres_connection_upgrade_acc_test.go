package provider_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// State as 0.1.0 wrote it (schema version 0: ssl_verify_server_certificate = true without TLS, no
// concurrency_level_in_force) plans no change, with a refresh and without one (the state upgrader
// rewrites it), and a change applied straight from it records the level in force. `make
// test-upgrade` does the same with 0.1.0's own provider.
func TestEmulatorCLI_stateOf010(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	config := "resource \"integratorio_postgres_connection\" \"test\" {" + plainBody(pg, "") + "}\n"
	if out, err := cliOutput(t, cli, config, "apply", "-auto-approve", "-no-color"); err != nil {
		t.Fatalf("apply failed:\n%s", out)
	}
	statePath := filepath.Join(cli.Dir, "terraform.tfstate")
	raw, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]any
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatal(err)
	}
	instance := state["resources"].([]any)[0].(map[string]any)["instances"].([]any)[0].(map[string]any)
	attrs := instance["attributes"].(map[string]any)
	if instance["schema_version"] != float64(1) || attrs["ssl_verify_server_certificate"] != nil || attrs["concurrency_level_in_force"] != float64(5) {
		t.Fatalf("state is not what this test turns into 0.1.0's: schema_version %v, ssl_verify_server_certificate %v, concurrency_level_in_force %v",
			instance["schema_version"], attrs["ssl_verify_server_certificate"], attrs["concurrency_level_in_force"])
	}
	instance["schema_version"] = 0
	attrs["ssl_verify_server_certificate"] = true
	delete(attrs, "concurrency_level_in_force")
	if raw, err = json.Marshal(state); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(statePath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-refresh=false"}, {}} {
		res := cli.Run(t.Context(), append([]string{"plan", "-no-color", "-detailed-exitcode"}, args...)...)
		if res.Err != nil {
			t.Fatalf("plan %v over 0.1.0's state is not empty (exit 2 means changes):\n%s", args, res.Output())
		}
		wantNotIn(t, strings.Join(strings.Fields(res.Output()), " "), "ssl_verify_server_certificate")
	}
	renamed := strings.Replace(config, `"Plain"`, `"Renamed"`, 1)
	if out, err := cliOutput(t, cli, renamed, "apply", "-auto-approve", "-no-color", "-refresh=false"); err != nil {
		t.Fatalf("a change applied without a refresh over 0.1.0's state failed:\n%s", out)
	}
	out, err := cliOutput(t, cli, renamed, "state", "show", "-no-color", "integratorio_postgres_connection.test")
	if err != nil {
		t.Fatal(err)
	}
	wantIn(t, out, `name = "Renamed"`, "concurrency_level_in_force = 5")
}
