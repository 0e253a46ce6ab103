package faulttest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// resourceType is the only resource the configurations here declare.
const resourceType = "integratorio_postgres_connection"

// harness is one test's emulator and Terraform working directory.
type harness struct {
	t     *testing.T
	emu   *emulator.Server
	url   string
	token string
	cli   clirunner.CLI
	work  string

	// gaveUp counts /v1 requests whose client hung up before the emulator answered: the client's
	// own timeouts and cancelled contexts, seen from the server.
	gaveUp atomic.Int64
	// faults accumulates what the emulator injected, by kind, over every phase.
	faults map[string]int
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessConfig(t, emulator.Config{})
}

// newHarnessConfig is newHarness with an emulator configured by cfg (its token added).
func newHarnessConfig(t *testing.T, cfg emulator.Config) *harness {
	t.Helper()
	if testing.Short() {
		t.Skip("fault tests run the Terraform CLI for minutes; skipped with -short")
	}
	h := &harness{t: t, token: acctest.RandomToken(), faults: map[string]int{}}
	// The Pinger is never called: every configuration here turns the API test off, except where
	// a test says otherwise.
	cfg.Tokens = []string{h.token}
	h.emu = emulator.New(cfg)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.emu.ServeHTTP(w, r)
		if strings.HasPrefix(r.URL.Path, "/v1/") && r.Context().Err() != nil {
			h.gaveUp.Add(1)
		}
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/v1"

	dir := t.TempDir()
	cliConfig, err := clirunner.WriteCLIConfig(dir, acctest.BuiltProvider(t))
	if err != nil {
		t.Fatal(err)
	}
	h.work = filepath.Join(dir, "work")
	if err := os.Mkdir(h.work, 0o700); err != nil {
		t.Fatal(err)
	}
	h.cli = clirunner.CLI{
		Binary: os.Getenv("TF_ACC_TERRAFORM_PATH"), Dir: h.work, CLIConfig: cliConfig,
		Env: []string{"INTEGRATORIO_API_TOKEN=" + h.token, "INTEGRATORIO_BASE_URL=" + h.url},
	}
	return h
}

// another returns a harness with a working directory (and so a configuration and a state) of its
// own against the same emulator and account: another team, workspace or CI job.
func (h *harness) another() *harness {
	h.t.Helper()
	o := &harness{t: h.t, emu: h.emu, url: h.url, token: h.token, cli: h.cli, faults: map[string]int{}}
	o.work = filepath.Join(h.t.TempDir(), "work")
	if err := os.Mkdir(o.work, 0o700); err != nil {
		h.t.Fatal(err)
	}
	o.cli.Dir = o.work
	o.cli.Env = slices.Clone(h.cli.Env)
	return o
}

// writeConfig writes main.tf: the provider requirement and the given resources.
func (h *harness) writeConfig(resources string) {
	h.t.Helper()
	cfg := fmt.Sprintf(`
terraform {
  required_providers {
    integratorio = { source = %q }
  }
}
provider "integratorio" {}
%s`, clirunner.ProviderSource, resources)
	if err := os.WriteFile(filepath.Join(h.work, "main.tf"), []byte(cfg), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

// run runs the CLI and fails the test when it exits non-zero.
func (h *harness) run(args ...string) clirunner.Result {
	h.t.Helper()
	r := h.cli.Run(h.t.Context(), args...)
	if r.Err != nil {
		h.t.Fatal(r.Err)
	}
	return r
}

// try runs the CLI and returns the result whatever the exit status.
func (h *harness) try(args ...string) clirunner.Result {
	h.t.Helper()
	return h.cli.Run(h.t.Context(), args...)
}

// setFaults replaces the emulator's faults, first adding up what the previous ones injected.
func (h *harness) setFaults(cfg emulator.FaultConfig) {
	h.t.Helper()
	h.collectFaults()
	if err := h.emu.SetFaults(cfg); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) collectFaults() {
	cfg, fired := h.emu.Faults()
	for i, r := range cfg.Rules {
		h.faults[faultName(r)] += fired[i]
	}
}

func faultName(r emulator.FaultRule) string {
	if r.Kind == emulator.FaultStatus {
		return fmt.Sprintf("status_%d", r.Status)
	}
	return string(r.Kind)
}

// faultReport renders the faults injected so far, for the test log.
func (h *harness) faultReport() (string, int) {
	h.collectFaults()
	h.emu.SetFaults(emulator.FaultConfig{}) //nolint:errcheck // the empty configuration is valid
	total := 0
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(h.faults)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, h.faults[k]))
		total += h.faults[k]
	}
	return strings.Join(parts, " "), total
}

// stateIDs returns the id of every connection in state by resource address.
func (h *harness) stateIDs() map[string]string {
	h.t.Helper()
	out := h.run("show", "-json").Stdout
	var show struct {
		Values *struct {
			RootModule struct {
				Resources []struct {
					Address string `json:"address"`
					Type    string `json:"type"`
					Values  struct {
						ID string `json:"id"`
					} `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(out), &show); err != nil {
		h.t.Fatalf("terraform show -json: %v\n%s", err, out)
	}
	ids := map[string]string{}
	if show.Values == nil {
		return ids
	}
	for _, r := range show.Values.RootModule.Resources {
		if r.Type == resourceType {
			ids[r.Address] = r.Values.ID
		}
	}
	return ids
}

// emulatorConnections returns the name of every stored connection by id.
func (h *harness) emulatorConnections() map[string]string {
	conns := map[string]string{}
	for _, c := range h.emu.Connections() {
		id, _ := c["_id"].(string)
		name, _ := c["name"].(string)
		conns[id] = name
	}
	return conns
}

// assertConsistent checks that the connections in state and in the emulator are the same set:
// no resource shares an id with another, no connection is unknown to state (an orphan or a
// duplicate), none in state is missing, and, unless sameNames, no name is stored twice. It
// returns the number of connections.
func (h *harness) assertConsistent(phase string, sameNames bool) int {
	h.t.Helper()
	state := h.stateIDs()
	emu := h.emulatorConnections()
	byID := map[string]string{}
	for addr, id := range state {
		if other, dup := byID[id]; dup {
			h.t.Errorf("%s: %s and %s both hold connection %s", phase, other, addr, id)
		}
		byID[id] = addr
		if _, ok := emu[id]; !ok {
			h.t.Errorf("%s: %s holds %s, which the emulator does not have (lost)", phase, addr, id)
		}
	}
	names := map[string]string{}
	for id, name := range emu {
		if _, ok := byID[id]; !ok {
			h.t.Errorf("%s: connection %s (%q) exists but no resource in state holds it (orphan or duplicate)", phase, id, name)
		}
		if other, dup := names[name]; dup && !sameNames {
			h.t.Errorf("%s: connections %s and %s are both named %q (duplicate create)", phase, other, id, name)
		}
		names[name] = id
	}
	if len(state) != len(emu) {
		h.t.Errorf("%s: %d connections in state, %d in the emulator", phase, len(state), len(emu))
	}
	return len(emu)
}

// assertEmptyPlan fails unless `terraform plan` proposes no change.
func (h *harness) assertEmptyPlan(phase string) {
	h.t.Helper()
	r := h.try("plan", "-no-color", "-detailed-exitcode")
	if r.Err != nil {
		h.t.Fatalf("%s: the plan is not empty or failed:\n%v", phase, r.Err)
	}
}

// connections renders n connection resources named prefix-NN, with checks off (faults target
// the API, not PostgreSQL), plus extra attributes.
func connections(label, prefix string, n int, extra string) string {
	return fmt.Sprintf(`
resource %q %q {
  for_each = toset([for i in range(%d) : format("%s-%%02d", i)])
  name     = each.key
  host     = "db.example.com"
  database = "orders"
  username = "svc"
  password = "not-a-real-password"
  connectivity_check = { direct = false, via_api = false }
%s
}
`, resourceType, label, n, prefix, extra)
}
