package faulttest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// twins are two resources with identical settings, name included, which Terraform creates
// concurrently: the hard case for recovering an ambiguous create by looking the object up.
var twins = func() string {
	var s string
	for _, label := range []string{"a", "b"} {
		s += fmt.Sprintf(`
resource %q %q {
  name     = "twin"
  host     = "db.example.com"
  database = "orders"
  username = "svc"
  password = "not-a-real-password"
  connectivity_check = { direct = false, via_api = false }
}
`, resourceType, label)
	}
	return s
}()

// TestFaults_ambiguousCreateOfIdenticalConnections loses the answer to one of two concurrent
// creates of identical connections, in each way an answer can be lost, and checks that each
// resource ends with its own connection: none adopted twice, none duplicated, none orphaned.
func TestFaults_ambiguousCreateOfIdenticalConnections(t *testing.T) {
	t.Parallel()
	for _, kind := range []emulator.FaultKind{emulator.FaultDropBefore, emulator.FaultDropAfter,
		emulator.FaultTruncate, emulator.FaultStatus} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.writeConfig(twins)
			// The latency keeps both creates in flight together; the first POST loses its answer.
			h.setFaults(emulator.FaultConfig{Latency: 300 * time.Millisecond, Rules: []emulator.FaultRule{
				{Method: "POST", Path: "/v1/connections", Kind: kind, Status: 503, Count: 1},
			}})
			h.run("apply", "-auto-approve", "-no-color")
			report, total := h.faultReport()
			if n := h.assertConsistent("apply", true); n != 2 {
				t.Fatalf("apply: %d connections, want 2", n)
			}
			if total != 1 {
				t.Fatalf("%d faults injected (%s), want 1", total, report)
			}
			h.assertEmptyPlan("plan after apply")
			h.run("destroy", "-auto-approve", "-no-color")
			if n := h.assertConsistent("destroy", true); n != 0 {
				t.Fatalf("destroy left %d connections", n)
			}
		})
	}
}

// TestFaults_ambiguousCreatesRecovered loses the answers to the first 8 POSTs after the server
// acted (dropped or cut) and answers the next 3 with 502 (not acted), and checks that the first
// are adopted, never repeated, and the others sent again.
func TestFaults_ambiguousCreatesRecovered(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.writeConfig(connections("c", "ambiguous", 12, ""))
	h.setFaults(emulator.FaultConfig{Seed: 7, Rules: []emulator.FaultRule{
		{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultDropAfter, Count: 4},
		{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultTruncate, Count: 4},
		// The first POSTs draw the faults, in this order, so a create whose retry is quick can draw
		// every 502: three leave it a fourth round (maxCreateRounds), whatever the timing.
		{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultStatus, Status: 502, Count: 3},
	}})
	h.run("apply", "-auto-approve", "-no-color")
	report, total := h.faultReport()
	if n := h.assertConsistent("apply", false); n != 12 {
		t.Fatalf("apply: %d connections, want 12", n)
	}
	posts := h.emu.Stats()["POST /v1/connections"]
	// 502s did not act, so their creates were sent again; the others were adopted.
	if want := 12 + 3; posts != want {
		t.Errorf("%d POSTs, want %d: 12 creates, and 3 POSTs repeated after a 502", posts, want)
	}
	h.assertEmptyPlan("plan after apply")
	t.Logf("12 creates, %d with an ambiguous outcome (%s), %d POSTs: no duplicate, none lost", total, report, posts)
}

// TestFaults_ambiguousCreateWithoutMarkers plays an integrator.io that does not keep the marker a
// create sends (Config.DropExternalID; one that keeps it but leaves it out of listings is read by
// id, see TestFaults_concurrentConfigurationsNeverShareConnections): the first of three creates loses its answer after the server
// acted, so the provider cannot prove which connection is its own. The apply fails naming the
// candidate and the import command; running that command as given, then applying, ends with
// every connection in state and nothing left behind.
func TestFaults_ambiguousCreateWithoutMarkers(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]emulator.Config{"dropped": {DropExternalID: true}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarnessConfig(t, cfg)
			h.writeConfig(connections("c", "unmarked", 3, ""))
			h.setFaults(emulator.FaultConfig{Rules: []emulator.FaultRule{
				{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultDropAfter, Count: 1},
			}})
			r := h.try("apply", "-auto-approve", "-no-color")
			h.faultReport()
			if r.Err == nil {
				t.Fatal("apply succeeded: the unproven create was adopted")
			}
			out := r.Output()
			before, _, found := strings.Cut(out, "terraform import 'ADDRESS' ")
			m := importCommand.FindStringSubmatch(out)
			if m == nil || !found {
				t.Fatalf("the error gives no import command:\n%s", out)
			}
			addr := resourceAddress.FindStringSubmatch(before)
			if addr == nil {
				t.Fatalf("the error names no resource address:\n%s", out)
			}
			if len(h.stateIDs()) != 2 || len(h.emulatorConnections()) != 3 {
				t.Fatalf("%d in state, %d in the emulator; want 2 and 3 (the unproven one named, not adopted)",
					len(h.stateIDs()), len(h.emulatorConnections()))
			}
			if _, ok := h.emulatorConnections()[m[1]]; !ok {
				t.Fatalf("the error names %s, which does not exist", m[1])
			}
			t.Logf("the error names %s for %s; importing it as told", m[1], addr[len(addr)-1])
			h.run("import", "-no-color", addr[len(addr)-1], m[1])
			h.run("apply", "-auto-approve", "-no-color") // the imported connection gets its password
			if n := h.assertConsistent("after the import", false); n != 3 {
				t.Fatalf("after the import: %d connections, want 3", n)
			}
			h.assertEmptyPlan("plan after the import")
		})
	}
}

var (
	// importCommand is the command the "Connection Possibly Created, Not Adopted" error gives.
	importCommand = regexp.MustCompile(`terraform import 'ADDRESS' ([0-9a-f]{24})`)
	// resourceAddress is the address Terraform shows with a diagnostic (the last one wins).
	resourceAddress = regexp.MustCompile(`(?s).*with (` + resourceType + `\.c\["[^"]+"\]),`)
)
