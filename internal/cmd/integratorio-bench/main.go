// Command integratorio-bench measures the provider against Terraform's own floor (`make bench`).
//
// It starts the integrator.io emulator in this process with a fixed per-request latency (the real
// service is an internet round trip away) and a throwaway PostgreSQL with TLS, builds the
// provider, and runs the real Terraform CLI against it through dev_overrides. For each N it
// generates N integratorio_postgres_connection resources and runs, with -parallelism:
//
//	create    terraform apply (connectivity checks off)
//	refresh   terraform plan -detailed-exitcode (a full refresh that must find no changes)
//	update    terraform apply after changing one attribute (name) of every resource
//	destroy   terraform destroy
//	create+direct  terraform apply with the direct connectivity check on (against the local PostgreSQL)
//
// and the same operations on N terraform_data resources (the floor: what Terraform itself costs).
// Above -full-cycle-max-n (500) the update and create+direct are left out: they take minutes and
// scale as the create does. The refresh also runs, back to back, with integratorio-noop-provider,
// which has the provider's schemas and does no work (the part of the gap to the floor that any
// plugin provider with this schema pays), with the same provider as the decode floor (it also
// decodes and encodes every state, configuration and plan with the schema), with the provider built from -baseline (a git revision:
// old code beside new in one run), and under each -gc setting (GOGC, GOMEMLIMIT).
//
// For every command it samples the provider processes through /proc: their CPU time (utime +
// stime, the kernel's accounting) and peak resident set (VmHWM). It counts API requests per
// resource from the emulator's counters, records the peak number of API requests in flight (the
// proof that the provider does not serialise), compares the direct check with a raw pgx
// connection and with psql, and checks that a lone read in an account of 5,000 connections costs
// one request.
//
//	go run ./internal/cmd/integratorio-bench -n 10,100,500,2000 -runs 3 -latency 50ms -json bin/bench.json
//
// Nothing here is a pass/fail test: the targets are reported, measured, and the exit status is
// non-zero only when a run could not be carried out.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the parsed command line.
type options struct {
	ns            []int
	runs          int
	latency       time.Duration
	parallelism   int
	jsonPath      string
	terraform     string
	directIters   int
	pageSize      int
	accountSize   int
	keepWorkDirs  bool
	viaAPI        bool
	baseline      string
	gcSettings    []string
	fullCycleMaxN int
	refreshRounds int
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("integratorio-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	ns := fs.String("n", "10,100,500", "comma-separated resource counts")
	fs.IntVar(&o.runs, "runs", 3, "runs of every operation per N; medians are reported")
	fs.DurationVar(&o.latency, "latency", 50*time.Millisecond, "latency the emulator adds to every API request")
	fs.IntVar(&o.parallelism, "parallelism", 10, "terraform -parallelism")
	fs.StringVar(&o.jsonPath, "json", "", "write the results as JSON to this file")
	fs.StringVar(&o.terraform, "terraform", "", "the Terraform CLI (default: bin/terraform, then terraform on PATH)")
	fs.IntVar(&o.directIters, "direct-iterations", 40, "iterations of each direct-check comparison (pgcheck, raw pgx, psql)")
	fs.IntVar(&o.pageSize, "page-size", 0, "the emulator's default page size for lists without a limit (0: the emulator's default, 100)")
	fs.IntVar(&o.accountSize, "account-size", 5000, "connections in the account for the lone-read check (0 skips it)")
	fs.BoolVar(&o.keepWorkDirs, "keep", false, "keep the temporary directory (configurations, state, provider binary)")
	fs.BoolVar(&o.viaAPI, "via-api", false, "turn on integrator.io's connection tests (of the unsaved connection before a create, of the saved one after it), to measure their cost")
	fs.StringVar(&o.baseline, "baseline", "", "a git revision of this repository: its provider refreshes beside the current one, to compare the two in one run")
	gc := fs.String("gc", "", "garbage-collector settings to refresh under as well, separated by ';', each a comma-separated list of variables (GOGC=200;GOGC=400,GOMEMLIMIT=64MiB); a user's GOGC or GOMEMLIMIT overrides the provider's own defaults")
	fs.IntVar(&o.fullCycleMaxN, "full-cycle-max-n", 500, "above this N, skip the update and the create with the direct check")
	fs.IntVar(&o.refreshRounds, "refresh-rounds", 1, "rounds of refreshes per run, each the provider's then every other kind's, back to back; the medians take every round")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	for _, s := range strings.Split(*ns, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return o, fmt.Errorf("-n: %q is not a positive whole number", s)
		}
		o.ns = append(o.ns, n)
	}
	for _, g := range strings.Split(*gc, ";") {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		for _, kv := range strings.Split(g, ",") {
			if name, _, ok := strings.Cut(kv, "="); !ok || (name != "GOGC" && name != "GOMEMLIMIT") {
				return o, fmt.Errorf("-gc: %q sets neither GOGC nor GOMEMLIMIT", kv)
			}
		}
		o.gcSettings = append(o.gcSettings, g)
	}
	switch {
	case len(o.ns) == 0:
		return o, errors.New("-n: no resource counts given")
	case o.runs < 1:
		return o, errors.New("-runs must be at least 1")
	case o.refreshRounds < 1:
		return o, errors.New("-refresh-rounds must be at least 1")
	case o.latency < 0:
		return o, errors.New("-latency must not be negative")
	case o.parallelism < 1:
		return o, errors.New("-parallelism must be at least 1")
	case o.directIters < 0:
		return o, errors.New("-direct-iterations must not be negative")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseOptions(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		_, _ = fmt.Fprintln(stderr, "integratorio-bench:", err)
		return 2
	}
	b, err := newBench(ctx, opts, stdout)
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "integratorio-bench:", err)
		return 1
	}
	defer b.close()
	report, err := b.runAll(ctx)
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "integratorio-bench:", err)
		return 1
	}
	printReport(stdout, report)
	if opts.jsonPath != "" {
		if err := writeJSON(opts.jsonPath, report); err != nil {
			_, _ = fmt.Fprintln(stderr, "integratorio-bench:", err)
			return 1
		}
		_, _ = fmt.Fprintf(stdout, "\nJSON written to %s\n", opts.jsonPath)
	}
	return 0
}

// findTerraform returns the CLI to run: the flag, then bin/terraform in the module, then PATH.
func findTerraform(flagValue, moduleRoot string) (string, error) {
	if flagValue != "" {
		path, err := exec.LookPath(flagValue)
		if err != nil {
			return "", err
		}
		return filepath.Abs(path) // the CLI runs in other directories
	}
	local := filepath.Join(moduleRoot, "bin", "terraform")
	if info, err := os.Stat(local); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
		return local, nil
	}
	path, err := exec.LookPath("terraform")
	if err != nil {
		return "", errors.New("no Terraform CLI: run scripts/install-tools.sh terraform, or pass -terraform")
	}
	return path, nil
}
