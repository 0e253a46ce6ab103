package faulttest

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// TestFaults_concurrentConfigurationsNeverShareConnections runs two applies at once, from two
// working directories (two Terraform processes, two states: two teams, two workspaces or a CI
// retry), each creating the same 10 connection names, while the emulator delays half the POSTs
// by 3 s (half of those before acting, half after) and the provider gives up on a request after
// 1 s. Each process's recovery
// then looks for a connection of the same name made since its create started, and the other
// configuration's is one. It checks that no connection id is in both states (destroying one
// configuration would delete the other's), that every connection either is in a state or is
// named by id in an apply's error, and that destroying one configuration leaves the other's.
// It runs with integrator.io keeping the create marker (both applies succeed), keeping it but
// leaving it out of listings (Config.ListOmitsExternalID: the candidates are read by id, and both
// succeed), and dropping it (Config.DropExternalID: the ambiguous creates fail, naming their
// candidates).
func TestFaults_concurrentConfigurationsNeverShareConnections(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  emulator.Config
	}{
		{"markers kept", emulator.Config{}},
		{"markers kept, not listed", emulator.Config{ListOmitsExternalID: true}},
		{"markers dropped", emulator.Config{DropExternalID: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newHarnessConfig(t, tc.cfg)
			b := a.another()
			for _, h := range []*harness{a, b} {
				h.cli.Env = append(h.cli.Env, "INTEGRATORIO_REQUEST_TIMEOUT=1s")
				h.writeConfig(connections("c", "shared", 10, ""))
			}
			a.setFaults(emulator.FaultConfig{Seed: 25, Rules: []emulator.FaultRule{
				// Half the POSTs are slowed: a quarter wait before acting (the client gives up first,
				// so nothing is made), a quarter act at once and answer too late.
				{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultSlow, Delay: 3 * time.Second, Probability: 0.25},
				{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultSlowAfter, Delay: 3 * time.Second, Probability: 1.0 / 3},
			}})
			results := applyTogether(t, a, b)
			report, total := a.faultReport()
			t.Logf("faults: %s", report)
			if total == 0 {
				t.Fatal("no POST was slowed: the test proves nothing")
			}

			stateA, stateB := idSet(a.stateIDs()), idSet(b.stateIDs())
			for id := range stateA {
				if stateB[id] {
					t.Errorf("connection %s is in both states: destroying one configuration would delete the other's", id)
				}
			}
			output := results[0].Output() + results[1].Output()
			named := idSet(nil)
			for _, id := range hexID.FindAllString(output, -1) {
				named[id] = true
			}
			emu := a.emulatorConnections()
			var leftovers []string
			for id, name := range emu {
				if !stateA[id] && !stateB[id] {
					leftovers = append(leftovers, id)
					if !named[id] {
						t.Errorf("connection %s (%q) is in neither state and no error names it: left behind unaccounted for", id, name)
					}
				}
			}
			for id := range maps.Keys(stateA) {
				if _, ok := emu[id]; !ok {
					t.Errorf("state A holds %s, which does not exist", id)
				}
			}
			for id := range maps.Keys(stateB) {
				if _, ok := emu[id]; !ok {
					t.Errorf("state B holds %s, which does not exist", id)
				}
			}
			switch tc.cfg.DropExternalID {
			case false:
				for i, r := range results {
					if r.Err != nil {
						t.Errorf("apply %d failed although integrator.io keeps markers:\n%s", i, r.Output())
					}
				}
				if len(stateA) != 10 || len(stateB) != 10 || len(emu) != 20 {
					t.Errorf("%d and %d connections in the states, %d in the emulator; want 10, 10 and 20", len(stateA), len(stateB), len(emu))
				}
			case true:
				i := strings.Index(output, "Connection Possibly Created, Not Adopted")
				if i < 0 {
					t.Fatalf("no create was refused adoption, although %d POSTs were slowed:\n%s", total, output)
				}
				t.Logf("what a user sees:\n%s", output[i:min(len(output), i+2500)])
				for _, want := range []string{"terraform import 'ADDRESS' ", "never adopts a connection on a name match"} {
					if !strings.Contains(strings.Join(strings.Fields(output), " "), want) {
						t.Errorf("the errors do not say %q:\n%s", want, output)
					}
				}
			}
			t.Logf("%s: %d POSTs, %d slowed; %d + %d connections in the states, %d leftovers, each named in an error: %v",
				tc.name, a.emu.Stats()["POST /v1/connections"], total, len(stateA), len(stateB), len(leftovers), leftovers)

			// Destroying one configuration leaves every connection of the other.
			a.run("destroy", "-auto-approve", "-no-color")
			emu = a.emulatorConnections()
			for id := range stateB {
				if _, ok := emu[id]; !ok {
					t.Errorf("destroying configuration A deleted %s, which configuration B holds", id)
				}
			}
			b.run("destroy", "-auto-approve", "-no-color")
			if left := slices.Sorted(maps.Keys(a.emulatorConnections())); !slices.Equal(left, slices.Sorted(slices.Values(leftovers))) {
				t.Errorf("after both destroys %v remain, want only the named leftovers %v", left, leftovers)
			}
		})
	}
}

// hexID matches a connection id.
var hexID = regexp.MustCompile(`\b[0-9a-f]{24}\b`)

func idSet(byAddress map[string]string) map[string]bool {
	s := map[string]bool{}
	for _, id := range byAddress {
		s[id] = true
	}
	return s
}

// applyTogether runs `terraform apply` in every harness at the same time and returns the results
// in order, whatever their exit status.
func applyTogether(t *testing.T, hs ...*harness) []clirunner.Result {
	t.Helper()
	results := make([]clirunner.Result, len(hs))
	var wg sync.WaitGroup
	for i, h := range hs {
		wg.Go(func() { results[i] = h.cli.Run(t.Context(), "apply", "-auto-approve", "-no-color") })
	}
	wg.Wait()
	return results
}
