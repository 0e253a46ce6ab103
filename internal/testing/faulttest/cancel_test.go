//go:build unix

package faulttest

import (
	"strings"
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// TestFaults_cancelledSlowCreate sends SIGINT to `terraform apply` while the provider waits on a
// create the emulator holds for a minute before acting, and checks that the call stops: the apply
// ends within seconds, the provider hung up on its request and reported the cancellation, and no
// connection was made.
//
// Terraform turns SIGINT into StopProvider, which reaches the call twice: tf6server cancels the
// call's context, which serve.Server's call context follows, and the framework cancels the context
// it derived from that one. The test fails only when both are lost (checked by breaking each).
func TestFaults_cancelledSlowCreate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.writeConfig(connections("c", "cancel", 1, ""))
	// FaultSlow waits before acting and stops waiting when the client hangs up, so a create the
	// provider abandons is never made.
	const delay = 60 * time.Second
	h.setFaults(emulator.FaultConfig{Rules: []emulator.FaultRule{
		{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultSlow, Delay: delay},
	}})

	// The emulator counts a request when it arrives, before the fault holds it: once the POST is
	// counted, the create is in flight and nothing has been made. The wait goes past the delay, so
	// a call that is not cancelled shows as one that finished late.
	out, stopped := h.interruptApply(func() bool { return h.emu.Stats()["POST /v1/connections"] >= 1 },
		"the create to reach the emulator", delay+30*time.Second)
	output := strings.Join(strings.Fields(out), " ") // Terraform wraps long errors

	if stopped > 20*time.Second {
		t.Errorf("apply exited %s after SIGINT: the create was not cancelled but waited for the server (delay %s)",
			stopped.Round(time.Millisecond), delay)
	}
	// The emulator sees the client hang up when the request's context ends, but also when
	// Terraform kills the provider process. Only the provider's own error shows that the call's
	// context was cancelled and the call returned: Terraform prints it, the provider having
	// answered before it exited.
	if !strings.Contains(output, "did not create connection") || !strings.Contains(output, "context canceled") {
		t.Errorf("the output does not show the provider's error for a cancelled create (integrator.io did not create connection ...: context canceled):\n%s", out)
	}
	// The handler counts a hang-up once the emulator notices it, which may follow the exit.
	for wait := time.Now().Add(5 * time.Second); h.gaveUp.Load() < 1 && time.Now().Before(wait); {
		time.Sleep(50 * time.Millisecond)
	}
	if h.gaveUp.Load() < 1 {
		t.Errorf("the emulator saw no request abandoned by its client: the slow create was not cancelled")
	}
	if n := h.assertConsistent("cancelled apply", false); n != 0 {
		t.Errorf("cancelled apply: %d connections exist, want 0 (the create was never acted on)", n)
	}
	t.Logf("SIGINT while the create was held (delay %s); apply exited %s later; %d request(s) abandoned by the provider",
		delay, stopped.Round(time.Millisecond), h.gaveUp.Load())
}
