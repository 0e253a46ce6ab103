//go:build unix

package faulttest

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
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

	cmd := exec.CommandContext(t.Context(), h.cli.Binary, "apply", "-auto-approve", "-no-color")
	cmd.Dir = h.work
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+h.cli.CLIConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0")
	cmd.Env = append(cmd.Env, h.cli.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a group of its own, as a terminal's job
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	// The emulator counts a request when it arrives, before the fault holds it: once the POST is
	// counted, the create is in flight and nothing has been made.
	deadline := time.Now().Add(60 * time.Second)
	for h.emu.Stats()["POST /v1/connections"] < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the create did not reach the emulator within a minute:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	interruptedAt := time.Now()
	// Ctrl-C signals the whole foreground process group: Terraform and its provider plugin.
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// Wait past the delay, so a call that is not cancelled shows as one that finished late.
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("apply was interrupted but exited 0")
		}
	case <-time.After(delay + 30*time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("apply did not stop within %s of SIGINT:\n%s", delay+30*time.Second, out.String())
	}
	stopped := time.Since(interruptedAt)
	output := strings.Join(strings.Fields(out.String()), " ") // Terraform wraps long errors

	if stopped > 20*time.Second {
		t.Errorf("apply exited %s after SIGINT: the create was not cancelled but waited for the server (delay %s)",
			stopped.Round(time.Millisecond), delay)
	}
	// The emulator sees the client hang up when the request's context ends, but also when
	// Terraform kills the provider process. Only the provider's own error shows that the call's
	// context was cancelled and the call returned: Terraform prints it, the provider having
	// answered before it exited.
	if !strings.Contains(output, "did not create connection") || !strings.Contains(output, "context canceled") {
		t.Errorf("the output does not show the provider's error for a cancelled create (integrator.io did not create connection ...: context canceled):\n%s", out.String())
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
