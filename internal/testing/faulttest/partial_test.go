package faulttest

import (
	"fmt"
	"net"
	"strings"
	"testing"
)

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port //nolint:forcetypeassert // a tcp listener has a TCP address
	_ = l.Close()
	return port
}

// TestFaults_halfFailedApply fails one create among 20 (its direct check cannot reach the
// database) and checks that the 19 others are created and in state and the failed one is in
// neither.
func TestFaults_halfFailedApply(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	good := connections("c", "partial", 19, "")
	bad := fmt.Sprintf(`
resource %q "bad" {
  name     = "partial-bad"
  host     = "127.0.0.1"
  port     = %d
  database = "orders"
  username = "svc"
  password = "not-a-real-password"
  connectivity_check = { direct = true, via_api = false, timeout = "2s" }
}
`, resourceType, closedPort(t))
	h.writeConfig(good + bad)
	r := h.try("apply", "-auto-approve", "-no-color")
	if r.Err == nil {
		t.Fatal("apply succeeded; the bad connection's check should have failed it")
	}
	if !strings.Contains(r.Output(), "bad") {
		t.Errorf("the error does not name the failed resource:\n%s", r.Output())
	}
	if n := h.assertConsistent("failed apply", false); n != 19 {
		t.Fatalf("failed apply: %d connections, want the 19 good ones", n)
	}
	state := h.stateIDs()
	if _, ok := state[resourceType+".bad"]; ok {
		t.Error("the failed connection is in state")
	}
	for _, name := range h.emulatorConnections() {
		if name == "partial-bad" {
			t.Error("the failed connection was created")
		}
	}
	// Without the bad one, nothing is left to do.
	h.writeConfig(good)
	h.assertEmptyPlan("plan without the failed resource")
	h.run("destroy", "-auto-approve", "-no-color")
	if n := h.assertConsistent("destroy", false); n != 0 {
		t.Fatalf("destroy left %d connections", n)
	}
}
