package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/integratorio/terraform-provider-integratorio/internal/pgcheck"
	"github.com/integratorio/terraform-provider-integratorio/internal/tlsmaterial"
)

// directComparison times the provider's direct check against a bare pgx connection with the
// same TLS settings and against psql, on the same server.
type directComparison struct {
	Iterations      int       `json:"iterations"`
	PgcheckMedianMS float64   `json:"pgcheck_median_ms"`
	RawPgxMedianMS  float64   `json:"raw_pgx_median_ms"`
	PsqlMedianMS    float64   `json:"psql_median_ms,omitempty"`
	PsqlSkipped     string    `json:"psql_skipped,omitempty"`
	RatioToRawPgx   float64   `json:"ratio_to_raw_pgx"`
	RatioToPsql     float64   `json:"ratio_to_psql,omitempty"`
	PgcheckMS       []float64 `json:"pgcheck_ms"`
	RawPgxMS        []float64 `json:"raw_pgx_ms"`
	PsqlMS          []float64 `json:"psql_ms,omitempty"`
}

func (b *bench) compareDirectCheck(ctx context.Context) (*directComparison, error) {
	pg := b.pg
	material := tlsmaterial.Material{CA: pg.CA}
	settings := pgcheck.Settings{
		Host: pg.Host, Port: pg.Port, Database: pg.Database, User: pg.PasswordUser, Password: pg.Password,
		UseSSL: true, SSL: material, VerifyServerCertificate: true, Timeout: 30 * time.Second,
	}
	tlsConfig, err := material.ClientConfig(pg.Host, true)
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig("sslmode=disable")
	if err != nil {
		return nil, err
	}
	cfg.Host, cfg.Port, cfg.Database = pg.Host, uint16(pg.Port), pg.Database //nolint:gosec // G115: a port the kernel chose
	cfg.User, cfg.Password = pg.PasswordUser, pg.Password
	cfg.TLSConfig, cfg.Fallbacks = tlsConfig, nil

	pgcheckOnce := func() error {
		_, err := pgcheck.Check(ctx, settings)
		return err
	}
	rawOnce := func() error {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return err
		}
		var one int
		if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
			_ = conn.Close(ctx)
			return err
		}
		return conn.Close(ctx)
	}
	psql, psqlErr := exec.LookPath("psql")
	psqlOnce := func() error {
		dsn := fmt.Sprintf("host=%s port=%d dbname=%s user=%s sslmode=verify-full sslrootcert=%s",
			pg.Host, pg.Port, pg.Database, pg.PasswordUser, b.caFile)
		cmd := exec.CommandContext(ctx, psql, "-X", "-q", "-A", "-t", dsn, "-c", "select 1")
		cmd.Env = append(os.Environ(), "PGPASSWORD="+pg.Password, "PGCONNECT_TIMEOUT=30",
			"PGSSLCERT=/nonexistent", "PGSSLKEY=/nonexistent")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("psql: %w: %s", err, out)
		}
		return nil
	}

	d := &directComparison{Iterations: b.opts.directIters}
	if psqlErr != nil {
		d.PsqlSkipped = "psql not found on PATH"
	}
	// Warm up each (page cache, TLS code paths), then interleave so drift hits all three alike.
	for range 3 {
		if err := pgcheckOnce(); err != nil {
			return nil, fmt.Errorf("pgcheck.Check: %w", err)
		}
		if err := rawOnce(); err != nil {
			return nil, fmt.Errorf("raw pgx: %w", err)
		}
		if psqlErr == nil {
			if err := psqlOnce(); err != nil {
				d.PsqlSkipped, psqlErr = err.Error(), err
			}
		}
	}
	timeIt := func(f func() error) (float64, error) {
		start := time.Now()
		err := f()
		return float64(time.Since(start).Microseconds()) / 1000, err
	}
	for range b.opts.directIters {
		ms, err := timeIt(pgcheckOnce)
		if err != nil {
			return nil, fmt.Errorf("pgcheck.Check: %w", err)
		}
		d.PgcheckMS = append(d.PgcheckMS, ms)
		if ms, err = timeIt(rawOnce); err != nil {
			return nil, fmt.Errorf("raw pgx: %w", err)
		}
		d.RawPgxMS = append(d.RawPgxMS, ms)
		if psqlErr == nil {
			if ms, err = timeIt(psqlOnce); err != nil {
				return nil, err
			}
			d.PsqlMS = append(d.PsqlMS, ms)
		}
	}
	d.PgcheckMedianMS, d.RawPgxMedianMS = median(d.PgcheckMS), median(d.RawPgxMS)
	d.RatioToRawPgx = ratio(d.PgcheckMedianMS, d.RawPgxMedianMS)
	if len(d.PsqlMS) > 0 {
		d.PsqlMedianMS = median(d.PsqlMS)
		d.RatioToPsql = ratio(d.PgcheckMedianMS, d.PsqlMedianMS)
	}
	return d, nil
}

func formatMS(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) + " ms" }
