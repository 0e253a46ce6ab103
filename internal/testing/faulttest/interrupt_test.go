//go:build unix

package faulttest

import (
	"bytes"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// TestFaults_interruptedApply sends SIGINT to `terraform apply`, as Ctrl-C does, while creates
// are in flight (every request is slow, and half the creates are acted on at once but answered
// late), then checks that every connection that exists is in state.
func TestFaults_interruptedApply(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.writeConfig(connections("c", "interrupt", 20, ""))
	h.setFaults(emulator.FaultConfig{Seed: 3, Latency: time.Second, Rules: []emulator.FaultRule{
		{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultSlowAfter, Delay: 3 * time.Second, Probability: 0.5},
	}})

	// Interrupt once some creates have been acted on, while others wait for their late answers
	// and the rest are queued.
	_, stopped := h.interruptApply(func() bool { return len(h.emu.Connections()) >= 4 }, "4 creates", 90*time.Second)
	posts := h.emu.Stats()["POST /v1/connections"]
	report, _ := h.faultReport()

	n := h.assertConsistent("interrupted apply", false)
	if n >= 20 {
		t.Errorf("all 20 connections were created: the interrupt came too late to prove anything")
	}
	t.Logf("SIGINT once 4 connections existed; apply exited %s later; %d POSTs in all (%s); %d connections exist, all in state",
		stopped.Round(time.Millisecond), posts, report, n)

	h.run("apply", "-auto-approve", "-no-color")
	if n := h.assertConsistent("apply after interrupt", false); n != 20 {
		t.Fatalf("apply after interrupt: %d connections, want 20", n)
	}
	h.run("destroy", "-auto-approve", "-no-color")
	h.assertConsistent("destroy", false)
}

// interruptApply runs `terraform apply` in a process group of its own, as a terminal runs a job;
// once ready reports true (within a minute, or the test fails naming what it waited for) it sends
// the group SIGINT, as Ctrl-C does to Terraform and its provider plugins, and waits up to
// stopWithin for the apply to exit, which must be with an error. It returns the apply's output
// and how long after SIGINT it exited.
func (h *harness) interruptApply(ready func() bool, waitingFor string, stopWithin time.Duration) (output string, stopped time.Duration) {
	t := h.t
	t.Helper()
	cmd := exec.CommandContext(t.Context(), h.cli.Binary, "apply", "-auto-approve", "-no-color")
	cmd.Dir = h.work
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+h.cli.CLIConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0")
	cmd.Env = append(cmd.Env, h.cli.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	deadline := time.Now().Add(60 * time.Second)
	for !ready() {
		if time.Now().After(deadline) {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatalf("waited a minute for %s before interrupting the apply:\n%s", waitingFor, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	interruptedAt := time.Now()
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("apply was interrupted but exited 0:\n%s", out.String())
		}
	case <-time.After(stopWithin):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("apply did not stop within %s of SIGINT:\n%s", stopWithin, out.String())
	}
	return out.String(), time.Since(interruptedAt)
}
