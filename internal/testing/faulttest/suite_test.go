package faulttest

import (
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// chaos is the fault mix of the 50-connection suite: every kind, drawn at random from seed, on
// roughly a third of all requests, with extra ambiguous outcomes for creates.
func chaos(seed int64) emulator.FaultConfig {
	const api = "/v1/"
	return emulator.FaultConfig{Seed: seed, Rules: []emulator.FaultRule{
		// Creates: the server acts, then the answer is lost or comes back cut.
		{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultDropAfter, Probability: 0.06},
		{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultTruncate, Probability: 0.04},
		{Path: api, Kind: emulator.FaultRateLimit, RetryAfter: 1, Probability: 0.06},
		{Path: api, Kind: emulator.FaultStatus, Status: 500, Probability: 0.04},
		{Path: api, Kind: emulator.FaultStatus, Status: 502, Probability: 0.04},
		{Path: api, Kind: emulator.FaultStatus, Status: 503, RetryAfter: 1, Probability: 0.04},
		{Path: api, Kind: emulator.FaultDropBefore, Probability: 0.04},
		{Path: api, Kind: emulator.FaultDropAfter, Probability: 0.04},
		{Path: api, Kind: emulator.FaultSlow, Delay: 2 * time.Second, Probability: 0.02},
		{Path: api, Kind: emulator.FaultSlowAfter, Delay: 2 * time.Second, Probability: 0.02},
		{Path: api, Kind: emulator.FaultTruncate, Probability: 0.04},
	}}
}

// TestFaults_fiftyConnections applies, updates, re-plans and destroys 50 connections while the
// emulator injects every kind of fault, and checks after each phase that state and the emulator
// hold the same connections.
func TestFaults_fiftyConnections(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Shorter than the slow faults' 2s, so some answers come too late and the client gives up.
	h.cli.Env = append(h.cli.Env, "INTEGRATORIO_REQUEST_TIMEOUT=1s")
	start := time.Now()

	h.writeConfig(connections("c", "fault", 50, ""))
	h.setFaults(chaos(1))
	h.run("apply", "-auto-approve", "-no-color")
	if n := h.assertConsistent("apply", false); n != 50 {
		t.Fatalf("apply: %d connections, want 50", n)
	}
	h.setFaults(chaos(2))
	h.assertEmptyPlan("plan after apply")
	h.assertConsistent("plan after apply", false)

	// Update every connection in place (PUT), still under faults.
	h.writeConfig(connections("c", "fault", 50, `  properties = { statement_timeout = "30000" }`))
	h.setFaults(chaos(3))
	h.run("apply", "-auto-approve", "-no-color")
	h.assertConsistent("update", false)
	for _, doc := range h.emu.Connections() {
		rdbms, _ := doc["rdbms"].(map[string]any)
		if opts, _ := rdbms["options"].([]any); len(opts) != 1 {
			t.Errorf("update: connection %s has options %v, want statement_timeout", doc["_id"], opts)
		}
	}
	h.setFaults(chaos(4))
	h.assertEmptyPlan("plan after update")

	h.setFaults(chaos(5))
	h.run("destroy", "-auto-approve", "-no-color")
	if n := h.assertConsistent("destroy", false); n != 0 {
		t.Fatalf("destroy left %d connections", n)
	}
	report, total := h.faultReport()
	t.Logf("50 connections created, updated, re-planned and destroyed in %s under %d injected faults: %s; "+
		"requests the client gave up on: %d; requests: %v",
		time.Since(start).Round(time.Second), total, report, h.gaveUp.Load(), h.emu.Stats())
	if total < 50 {
		t.Errorf("only %d faults were injected: the suite proves little", total)
	}
}
