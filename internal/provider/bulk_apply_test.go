package provider_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/pgserver"
)

// bulkConnections and bulkParallelism are the apply that exhausted a small server's connection
// slots: each create logs in directly and through integrator.io's test, before and after saving.
const (
	bulkConnections = 40
	bulkParallelism = 30
	// idleSessions are held open by other clients during the apply: of max_connections = 20 (3
	// reserved for superusers), 5 slots remain for the checks, fewer than -parallelism.
	idleSessions = 12
)

// Forty connections applied at -parallelism=30 against a server with max_connections = 20, most of
// its slots taken by other sessions, apply and destroy cleanly: the provider runs at most
// max_checks_per_database_host checks at once against one server, and a check that finds no free
// slot waits for one within its timeout.
func TestEmulatorCLI_bulkApplyWithinConnectionSlots(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	pg, err := pgserver.Start(ctx, pgserver.Options{MaxConnections: 20})
	if err != nil {
		t.Fatalf("starting PostgreSQL: %v", err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	for i := range idleSessions {
		conn, err := pgconn.Connect(ctx, fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=%s sslmode=disable",
			pg.Host, pg.Port, pg.PasswordUser, pg.Password, pg.Database))
		if err != nil {
			t.Fatalf("opening idle session %d: %v", i+1, err)
		}
		t.Cleanup(func() { _ = conn.Close(context.Background()) })
	}

	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	config := fmt.Sprintf(`
resource "integratorio_postgres_connection" "bulk" {
  count    = %d
  name     = "Bulk ${count.index}"
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = %q
}
`, bulkConnections, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password)
	began := time.Now()
	out, err := cliOutput(t, cli, config, "apply", "-auto-approve", "-no-color", fmt.Sprintf("-parallelism=%d", bulkParallelism))
	applied := time.Since(began)
	if err != nil {
		t.Fatalf("the bulk apply failed:\n%s", out)
	}
	wantIn(t, out, fmt.Sprintf("Apply complete! Resources: %d added, 0 changed, 0 destroyed.", bulkConnections))
	wantNotIn(t, out, "Test of It Failed") // no saved connection left offline by a failed test
	if n := len(env.Emulator.Connections()); n != bulkConnections {
		t.Fatalf("the emulator holds %d connections, want %d", n, bulkConnections)
	}
	began = time.Now()
	if out, err := cliOutput(t, cli, config, "destroy", "-auto-approve", "-no-color", fmt.Sprintf("-parallelism=%d", bulkParallelism)); err != nil {
		t.Fatalf("the bulk destroy failed:\n%s", out)
	}
	t.Logf("%d connections applied at -parallelism=%d in %s, destroyed in %s", bulkConnections, bulkParallelism,
		applied.Round(100*time.Millisecond), time.Since(began).Round(100*time.Millisecond))
}

// fullServer is a PostgreSQL server that has no free connection slot: it answers every login
// with SQLSTATE 53300, as a server at max_connections does.
func fullServer(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = conn.Close() }()
				backend := pgproto3.NewBackend(conn, conn)
				if _, err := backend.ReceiveStartupMessage(); err != nil {
					return
				}
				backend.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "53300",
					Message: "sorry, too many clients already"})
				_ = backend.Flush()
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// A check that still finds no free slot when its timeout ends names -parallelism in its advice,
// whether it was the direct login or integrator.io's test that found the server full.
func TestEmulatorConnectivityCheck_noFreeSlotNamesParallelism(t *testing.T) {
	t.Parallel()
	port := fullServer(t)
	env := acctest.NewEnv(t, emulator.Config{Pinger: func(context.Context, emulator.PingTarget) error {
		return &emulator.PingError{Code: "connection_failed", Message: fmt.Sprintf(
			"PostgreSQL at 127.0.0.1:%d has no free connection slot: sorry, too many clients already", port)}
	}})
	body := func(direct bool) string {
		return fmt.Sprintf(`
  name     = "Full"
  host     = "127.0.0.1"
  port     = %d
  database = "orders"
  username = "svc"
  password = "a-password"
  connectivity_check = { direct = %t, timeout = "2s" }
`, port, direct)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: connConfig(env, body(true)),
				ExpectError: acctest.ErrorText("Direct Connectivity Check Failed", "has no free connection slot: sorry, too many clients already",
					"apply with a lower -parallelism (such as terraform apply -parallelism=4), or lower max_checks_per_database_host"),
			},
			{
				Config: connConfig(env, body(false)),
				ExpectError: acctest.ErrorText("integrator.io Connection Test Failed", "has no free connection slot",
					"The database had no free connection slot.", "apply with a lower -parallelism"),
			},
		},
	})
}
