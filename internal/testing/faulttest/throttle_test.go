package faulttest

import (
	"strings"
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// TestFaults_throttledApplyWaitsItOut answers 70% of all requests with 429 and Retry-After: 1,
// as a busy account would (its limit is shared by every token), with max_retries 1: every
// create still succeeds, since 429s are waited out within the operation's deadline instead of
// using up the retries.
func TestFaults_throttledApplyWaitsItOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cli.Env = append(h.cli.Env, "INTEGRATORIO_MAX_RETRIES=1")
	h.writeConfig(connections("c", "throttled", 20, ""))
	h.setFaults(emulator.FaultConfig{Seed: 3, Rules: []emulator.FaultRule{
		{Path: "/v1/", Kind: emulator.FaultRateLimit, RetryAfter: 1, Probability: 0.7},
	}})
	h.run("apply", "-auto-approve", "-no-color")
	report, total := h.faultReport()
	if n := h.assertConsistent("apply", false); n != 20 {
		t.Fatalf("apply: %d connections, want 20", n)
	}
	if total < 20 {
		t.Fatalf("only %d faults injected (%s): the test did not throttle", total, report)
	}
	h.setFaults(emulator.FaultConfig{})
	h.assertEmptyPlan("plan after apply")
	t.Logf("20 creates under %d throttled answers (%s), max_retries 1: all made, none twice", total, report)
}

// TestFaults_throttledPastTheDeadline throttles every create until timeouts.create runs out:
// the error says integrator.io is rate-limiting the account, and nothing is left behind.
func TestFaults_throttledPastTheDeadline(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.writeConfig(connections("c", "throttled", 1, `  timeouts = { create = "4s" }`))
	h.setFaults(emulator.FaultConfig{Rules: []emulator.FaultRule{
		{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultRateLimit, RetryAfter: 1},
	}})
	start := time.Now()
	res := h.try("apply", "-auto-approve", "-no-color")
	if res.Err == nil {
		t.Fatal("apply succeeded while every create was answered 429")
	}
	out := strings.Join(strings.Fields(res.Stdout+res.Stderr), " ")
	for _, want := range []string{"Error Creating PostgreSQL Connection", "integrator.io is rate-limiting this account",
		"shared by all of its tokens", "raise the resource's timeouts"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, res.Stdout+res.Stderr)
		}
	}
	for _, wrong := range []string{"check the host", "Check that base_url"} {
		if strings.Contains(out, wrong) {
			t.Errorf("apply output says %q:\n%s", wrong, res.Stdout+res.Stderr)
		}
	}
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Errorf("apply took %s, want it to stop at the 4s create deadline", elapsed)
	}
	if n := h.assertConsistent("apply", false); n != 0 {
		t.Fatalf("%d connections left after a throttled create", n)
	}
}
