package provider

import (
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// A refresh of 2,000 connections, as Terraform runs one (-parallelism=10), through the real
// client against the emulator in each paging reading: limit accepted with skip links, limit
// refused with 400 invalid_query_params (Config.MaxLimit), and cursor links (Config.CursorPaging).
// Each costs a few listing pages, never one GET per connection. The requests per resource are
// logged (go test ./internal/provider -run TestConnectionReader_requestsPerResourceAtScale -v).
func TestConnectionReader_requestsPerResourceAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 2,000 connections per mode")
	}
	t.Parallel()
	const n, parallelism = 2000, 10
	modes := []struct {
		name string
		cfg  emulator.Config
	}{
		{"limit accepted, skip links", emulator.Config{}},
		{"limit=1000 refused (400)", emulator.Config{MaxLimit: 100}},
		{"limit refused, cursor links", emulator.Config{MaxLimit: 100, CursorPaging: true}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			cfg := mode.cfg
			cfg.Tokens = []string{"tf-acc-token"}
			cfg.RateLimitBurst, cfg.RateLimitPerSecond = 1_000_000, 1_000_000
			emu := emulator.New(cfg)
			srv := httptest.NewServer(emu)
			t.Cleanup(srv.Close)
			c, err := client.New(client.WithBaseURL(srv.URL+"/v1"), client.WithToken("tf-acc-token"))
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]string, n)
			run(t, n, 8, func(i int) error {
				created, err := c.Connections.Create(t.Context(), &client.Connection{Type: client.ConnectionTypeRDBMS, Name: "scale",
					RDBMS: &client.RDBMS{Type: client.RDBMSTypePostgreSQL, Host: "db.example", Database: "d", User: "u", Password: "p"}})
				if err == nil {
					ids[i] = created.ID
				}
				return err
			})
			emu.ResetStats()
			r := newConnectionReader(c.Connections)
			run(t, n, parallelism, func(i int) error {
				conn, err := r.Get(t.Context(), ids[i])
				if err == nil && conn.ID != ids[i] {
					t.Errorf("read %s, got %s", ids[i], conn.ID)
				}
				return err
			})
			stats := emu.Stats()
			lists, gets := stats["GET /v1/connections"], stats["GET /v1/connections/{id}"]
			perResource := float64(lists+gets) / n
			t.Logf("%s: %d connections read with %d listing requests and %d GETs by id: %.4f requests per resource",
				mode.name, n, lists, gets, perResource)
			if perResource > 0.05 {
				t.Errorf("%.4f requests per resource (%d listing, %d by id); want a few listing pages, not one GET per connection",
					perResource, lists, gets)
			}
		})
	}
}

// run calls f(0..n-1) on workers goroutines and fails the test on the first error.
func run(t *testing.T, n, workers int, f func(int) error) {
	t.Helper()
	var wg sync.WaitGroup
	next := make(chan int)
	errs := make(chan error, n)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
