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

	// Interrupt once some creates have been acted on, while others wait for their late answers
	// and the rest are queued.
	deadline := time.Now().Add(60 * time.Second)
	for len(h.emu.Connections()) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("no creates started within a minute:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	interruptedAt := time.Now()
	// Ctrl-C signals the whole foreground process group: Terraform and its provider plugins.
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("apply was interrupted but exited 0:\n%s", out.String())
		}
	case <-time.After(90 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("apply did not stop within 90s of SIGINT:\n%s", out.String())
	}
	stopped := time.Since(interruptedAt)
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
