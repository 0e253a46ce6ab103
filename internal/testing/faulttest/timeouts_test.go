package faulttest

import (
	"strings"
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// TestFaults_createTimeout gives creates a 3-second timeout while the server takes 8 seconds:
// one create is never acted on, the other is acted on at once but answered late. The apply must
// stop at the timeout, not wait for the server, and whatever was created must be in state.
func TestFaults_createTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.writeConfig(connections("c", "timeout", 2, `  timeouts = { create = "3s" }`))
	const delay = 8 * time.Second
	h.setFaults(emulator.FaultConfig{Rules: []emulator.FaultRule{
		{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultSlow, Delay: delay, Count: 1},
		{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultSlowAfter, Delay: delay, Count: 1},
	}})
	r := h.try("apply", "-auto-approve", "-no-color")
	if r.Err == nil {
		t.Fatal("apply succeeded; the create that was never acted on should have failed")
	}
	if !strings.Contains(r.Output(), "deadline exceeded") {
		t.Errorf("the error does not say the timeout was reached:\n%s", r.Output())
	}
	// The create never acted on may still be acted on later: the error names its marker.
	if !strings.Contains(strings.Join(strings.Fields(r.Output()), " "), "it carries externalId \"terraform-create-") {
		t.Errorf("the error does not name the marker a late leftover would carry:\n%s", r.Output())
	}
	if r.Duration >= delay {
		t.Errorf("apply took %s: it waited for the server instead of stopping at the 3s timeout", r.Duration)
	}
	if n := h.assertConsistent("timed-out apply", false); n != 1 {
		t.Fatalf("timed-out apply: %d connections, want 1 (the one acted on, adopted into state)", n)
	}
	h.faultReport() // no more faults
	h.run("apply", "-auto-approve", "-no-color")
	if n := h.assertConsistent("apply again", false); n != 2 {
		t.Fatalf("apply again: %d connections, want 2", n)
	}
	h.assertEmptyPlan("plan after apply")
	t.Logf("timed-out apply stopped after %s (server delay %s); the create acted on is in state", r.Duration.Round(time.Millisecond), delay)
}
