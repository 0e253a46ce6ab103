package provider_test

import (
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/pgserver"
)

// silentPort returns a loopback port that accepts connections and never answers, so that a check
// against it runs out of time.
func silentPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// A failed check at apply is shown on the line to fix: Terraform quotes the attribute at fault
// under the error, not the resource block, and a time-out names the timeout to raise.
func TestEmulatorCLI_checkFailuresOnTheAttributeAtFault(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	conn := func(attrs string) string {
		return fmt.Sprintf(`
variable "db_password" {
  type      = string
  sensitive = true
  default   = "not-the-password"
}

resource "integratorio_postgres_connection" "test" {
  name     = "At fault"
  host     = %q
  username = %q
%s}
`, pg.Host, pg.PasswordUser, attrs)
	}
	plainImpostor := pgserver.StartImpostor(t, pgserver.AuthCleartext, false)
	tlsImpostor := pgserver.StartImpostor(t, pgserver.AuthCleartext, true)
	for _, tc := range []struct {
		name, attrs string
		want        []string
	}{{
		name:  "password",
		attrs: fmt.Sprintf("  port = %d\n  database = %q\n  password = \"not-the-password\"\n", pg.Port, pg.Database),
		want:  []string{"Direct Connectivity Check Failed", `: password = "not-the-password"`, "PostgreSQL rejected the password"},
	}, {
		name:  "password_wo",
		attrs: fmt.Sprintf("  port = %d\n  database = %q\n  password_wo = var.db_password\n  password_wo_version = 1\n", pg.Port, pg.Database),
		want:  []string{"Direct Connectivity Check Failed", ": password_wo = var.db_password", "PostgreSQL rejected the password"},
	}, {
		name: "ssl_ca",
		attrs: fmt.Sprintf("  port = %d\n  database = %q\n  password = %q\n  use_ssl = true\n  ssl_ca = <<-EOT\n%sEOT\n",
			pg.Port, pg.Database, pg.Password, pg.WrongCA),
		want: []string{"Direct Connectivity Check Failed", ": ssl_ca = <<-EOT", "is not signed by the configured ssl_ca",
			"How to fix: Set ssl_ca to the PEM of the CA certificate that signed the server certificate",
			"Only if you cannot get it, set ssl_verify_server_certificate = false"},
	}, {
		// A server nobody verified gets no password: shown on use_ssl, or on
		// ssl_verify_server_certificate with TLS.
		name: "use_ssl",
		attrs: fmt.Sprintf("  port = %d\n  database = %q\n  password = %q\n  use_ssl = false\n",
			plainImpostor.Port, pg.Database, pg.Password),
		want: []string{"Direct Connectivity Check Failed", ": use_ssl = false", "the password was not sent",
			"How to fix: Set use_ssl = true with ssl_ca", "connectivity_check = { allow_password_to_unverified_server = true } in the provider block"},
	}, {
		name: "ssl_verify_server_certificate",
		attrs: fmt.Sprintf("  port = %d\n  database = %q\n  password = %q\n  use_ssl = true\n  ssl_verify_server_certificate = false\n",
			tlsImpostor.Port, pg.Database, pg.Password),
		want: []string{"Direct Connectivity Check Failed", ": ssl_verify_server_certificate = false", "the password was not sent",
			"did not offer SCRAM-SHA-256-PLUS", "How to fix: Set ssl_ca to the PEM of the CA certificate"},
	}, {
		name:  "port",
		attrs: fmt.Sprintf("  port = %d\n  database = %q\n  password = %q\n", closedPort(t), pg.Database, pg.Password),
		want:  []string{"Direct Connectivity Check Failed", ": port = ", "connection refused by 127.0.0.1:"},
	}, {
		name:  "database",
		attrs: fmt.Sprintf("  port = %d\n  database = \"no_such_db\"\n  password = %q\n", pg.Port, pg.Password),
		want:  []string{"Direct Connectivity Check Failed", `: database = "no_such_db"`, `database "no_such_db" does not exist`},
	}, {
		name: "connectivity_check.timeout",
		attrs: fmt.Sprintf("  port = %d\n  database = %q\n  password = %q\n  connectivity_check = { timeout = \"2s\" }\n",
			silentPort(t), pg.Database, pg.Password),
		want: []string{"Direct Connectivity Check Failed", `: connectivity_check = { timeout = "2s" }`, "no answer from 127.0.0.1:",
			`The check ran out of connectivity_check.timeout (it is 2s): if the server is slow to answer rather than unreachable, raise it, such as connectivity_check = { timeout = "2m" }.`},
	}, {
		name: "timeouts.create",
		attrs: fmt.Sprintf("  port = %d\n  database = %q\n  password = %q\n  timeouts = { create = \"2s\" }\n",
			silentPort(t), pg.Database, pg.Password),
		want: []string{"Direct Connectivity Check Failed", `: timeouts = { create = "2s" }`, "no answer from 127.0.0.1:",
			`The check was cut short by timeouts.create, the time the whole create may take (5m by default): if the server is slow to answer rather than unreachable, raise it, such as timeouts = { create = "15m" }.`},
	}} {
		out, err := cliOutput(t, cli, conn(tc.attrs), "apply", "-auto-approve", "-no-color")
		if err == nil {
			t.Fatalf("%s: a failing check was applied:\n%s", tc.name, out)
		}
		wantIn(t, out, tc.want...)
		wantNotIn(t, out, `: resource "integratorio_postgres_connection" "test" {`)
	}
	if n := len(env.Emulator.Connections()); n != 0 {
		t.Fatalf("failed checks left %d connections", n)
	}
	for _, im := range []*pgserver.Impostor{plainImpostor, tlsImpostor} {
		if got := im.Received(); len(got) != 0 {
			t.Errorf("the impostor at %s received %q", im.Addr(), got)
		}
	}
}

// integrator.io's test running out of time names connectivity_check, the timeout that ended it.
func TestEmulatorCLI_apiCheckTimeoutNamesTheTimeout(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{
		Pinger: func(ctx context.Context, _ emulator.PingTarget) error { <-ctx.Done(); return ctx.Err() },
	})
	cli := newCLI(t, env)
	out, err := cliOutput(t, cli, `
resource "integratorio_postgres_connection" "test" {
  name     = "Slow test"
  host     = "db.example.com"
  database = "orders"
  username = "svc"
  password = "svc-password"
  use_ssl  = true
  connectivity_check = { direct = false, timeout = "1s" }
}
`, "apply", "-auto-approve", "-no-color")
	if err == nil {
		t.Fatalf("a test that never answered was applied:\n%s", out)
	}
	wantIn(t, out, "integrator.io Connection Test Failed", `: connectivity_check = { direct = false, timeout = "1s" }`,
		`integrator.io did not finish testing connection "Slow test" before saving it:`,
		"The check ran out of connectivity_check.timeout (it is 1s)")
}
