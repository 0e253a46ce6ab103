package provider_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/integratorio/terraform-provider-integratorio/internal/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/emulator"
	"github.com/integratorio/terraform-provider-integratorio/internal/pgserver"
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
