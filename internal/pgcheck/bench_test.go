package pgcheck

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// BenchmarkCheck measures a full check: TLS verified against the CA, SCRAM login, the version
// query and disconnect. Compare with BenchmarkRawPgxConnect for the checker's own overhead.
func BenchmarkCheck(b *testing.B) {
	s := tlsSettings()
	ctx := context.Background()
	for b.Loop() {
		if _, err := Check(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawPgxConnect does what BenchmarkCheck does with pgx alone: the same TLS settings,
// connect, SELECT 1, close.
func BenchmarkRawPgxConnect(b *testing.B) {
	s := tlsSettings()
	tlsConfig, err := s.SSL.ClientConfig(s.Host, s.VerifyServerCertificate)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := pgx.ParseConfig("sslmode=disable")
	if err != nil {
		b.Fatal(err)
	}
	cfg.Host, cfg.Port, cfg.Database = s.Host, uint16(s.Port), s.Database //nolint:gosec // G115: a port the kernel chose
	cfg.User, cfg.Password = s.User, s.Password
	cfg.TLSConfig, cfg.Fallbacks = tlsConfig, nil
	ctx := context.Background()
	for b.Loop() {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		var one int
		if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
			b.Fatal(err)
		}
		if err := conn.Close(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
