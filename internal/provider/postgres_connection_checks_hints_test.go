package provider_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// Skipping the direct check is offered only where it can help: a wrong password fails for
// integrator.io too, a refused port may be this machine's network. A refused port fails fast,
// whatever the check's timeout, and says how many attempts it made.
func TestEmulatorConnectivityCheck_hintsPointTheRightWay(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	conn := func(port int, password string) string {
		return fmt.Sprintf(`
resource "integratorio_postgres_connection" "test" {
  name     = "Hints"
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = %q
}
`, pg.Host, port, pg.Database, pg.PasswordUser, password)
	}

	out, err := cliOutput(t, cli, conn(pg.Port, "not-the-password"), "apply", "-auto-approve", "-no-color")
	if err == nil {
		t.Fatalf("a wrong password was applied:\n%s", out)
	}
	wantIn(t, out, "Direct Connectivity Check Failed", "PostgreSQL rejected the password", "Check user and password",
		"Nothing was created or changed.")
	wantNotIn(t, out, "direct = false")

	began := time.Now()
	out, err = cliOutput(t, cli, conn(closedPort(t), "a-password"), "apply", "-auto-approve", "-no-color")
	elapsed := time.Since(began)
	if err == nil {
		t.Fatalf("a closed port was applied:\n%s", out)
	}
	wantIn(t, out, "Direct Connectivity Check Failed", "connection refused by 127.0.0.1:", "How to fix: Refused",
		"(a restarting server would have answered by then). Check the port",
		"skip this check with connectivity_check = { direct = false }")
	// The check's timeout is the default 30s; a refusal stops after a few seconds.
	if elapsed > 15*time.Second {
		t.Errorf("the apply took %s to report a refused port; want a few seconds", elapsed)
	}
	t.Logf("a refused port failed the apply in %s", elapsed.Round(100*time.Millisecond))
	if n := len(env.Emulator.Connections()); n != 0 {
		t.Fatalf("failed checks left %d connections", n)
	}
}
