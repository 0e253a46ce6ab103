package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// opReport is one operation at one N: the floor, the provider, and what the API saw.
type opReport struct {
	Op                  string         `json:"op"`
	N                   int            `json:"n"`
	FloorMedianS        float64        `json:"floor_median_s"`
	ProviderMedianS     float64        `json:"provider_median_s"`
	Ratio               float64        `json:"ratio"`
	RequestsPerResource float64        `json:"requests_per_resource"`
	WritesPerResource   float64        `json:"writes_per_resource"`
	MaxInFlight         int            `json:"max_in_flight"`
	FloorS              []float64      `json:"floor_s"`
	ProviderS           []float64      `json:"provider_s"`
	Requests            []int          `json:"requests"`
	Routes              map[string]int `json:"routes_last_run"`
	// The provider processes (the no-op or baseline provider for those refreshes), from /proc:
	// CPU time summed over the processes of one command, median over runs; the highest peak
	// resident set (VmHWM) of any of them, over all runs.
	ProviderCPUMedianS float64   `json:"provider_cpu_median_s,omitempty"`
	ProviderCPUS       []float64 `json:"provider_cpu_s,omitempty"`
	PeakBytes          int64     `json:"provider_peak_bytes,omitempty"`
	PeakMiB            float64   `json:"provider_peak_mib,omitempty"`
	Processes          int       `json:"provider_processes,omitempty"`
}

// parallelProof compares a create's wall time with doing its writes one after another.
type parallelProof struct {
	N                 int     `json:"n"`
	CreateMedianS     float64 `json:"create_median_s"`
	SerialLowerBoundS float64 `json:"serial_lower_bound_s"`
	RatioToSerial     float64 `json:"ratio_to_serial"`
	MaxInFlight       int     `json:"max_in_flight"`
}

// loneRead is a refresh of one connection in an account holding many.
type loneRead struct {
	AccountSize  int            `json:"account_size"`
	ReadRequests int            `json:"read_requests"`
	AllRequests  int            `json:"all_requests"`
	Routes       map[string]int `json:"routes"`
}

type target struct {
	Name     string `json:"name"`
	Goal     string `json:"goal"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

type report struct {
	TerraformVersion string            `json:"terraform_version"`
	TerraformPath    string            `json:"terraform_path"`
	Latency          string            `json:"latency"`
	LatencyMS        float64           `json:"latency_ms"`
	Parallelism      int               `json:"parallelism"`
	Runs             int               `json:"runs"`
	RefreshRounds    int               `json:"refresh_rounds"`
	Ns               []int             `json:"n"`
	PostgreSQL       string            `json:"postgresql"`
	Operations       []opReport        `json:"operations"`
	Parallel         []parallelProof   `json:"parallelism_proof"`
	Direct           *directComparison `json:"direct_check"`
	LoneRead         *loneRead         `json:"lone_read,omitempty"`
	Targets          []target          `json:"targets"`
	StartedAt        time.Time         `json:"started_at"`
	TotalSeconds     float64           `json:"total_seconds"`
}

func (b *bench) runAll(ctx context.Context) (*report, error) {
	start := time.Now()
	rep := &report{
		TerraformVersion: b.tfVer, TerraformPath: b.tf, Latency: b.opts.latency.String(),
		LatencyMS: float64(b.opts.latency.Microseconds()) / 1000, Parallelism: b.opts.parallelism,
		Runs: b.opts.runs, RefreshRounds: b.opts.refreshRounds, Ns: b.opts.ns, PostgreSQL: b.pg.Version(), StartedAt: start.UTC(),
	}

	b.logf("direct check: pgcheck vs raw pgx vs psql, %d iterations each", b.opts.directIters)
	d, err := b.compareDirectCheck(ctx)
	if err != nil {
		return nil, err
	}
	rep.Direct = d

	for _, n := range b.opts.ns {
		floorWS, err := b.newWorkspace("floor", n)
		if err != nil {
			return nil, err
		}
		provWS, err := b.newWorkspace("provider", n)
		if err != nil {
			return nil, err
		}
		floor := map[string][]sample{}
		prov := map[string][]sample{}
		for r := 1; r <= b.opts.runs; r++ {
			t0 := time.Now()
			fs, err := b.cycle(ctx, floorWS)
			if err != nil {
				return nil, err
			}
			ps, err := b.cycle(ctx, provWS)
			if err != nil {
				return nil, err
			}
			if b.fullCycle(n) {
				s, err := b.directCycle(ctx, provWS)
				if err != nil {
					return nil, err
				}
				ps[opCreateDirect] = []sample{s}
			}
			for op, s := range fs {
				floor[op] = append(floor[op], s...)
			}
			for op, s := range ps {
				prov[op] = append(prov[op], s...)
			}
			b.logf("N=%d run %d/%d in %.1fs: %s", n, r, b.opts.runs, time.Since(t0).Seconds(), runSummary(b.operations(n), fs, ps))
		}

		for _, op := range b.operations(n) {
			floorOp := op
			switch {
			case op == opCreateDirect:
				floorOp = opCreate
			case strings.HasPrefix(op, opRefresh):
				floorOp = opRefresh
			}
			rep.Operations = append(rep.Operations, summarise(op, n, floor[floorOp], prov[op]))
		}
		create := findOp(rep.Operations, opCreate, n)
		bound := float64(n) * b.opts.latency.Seconds()
		rep.Parallel = append(rep.Parallel, parallelProof{
			N: n, CreateMedianS: create.ProviderMedianS, SerialLowerBoundS: bound,
			RatioToSerial: ratio(create.ProviderMedianS, bound), MaxInFlight: create.MaxInFlight,
		})
	}

	if b.opts.accountSize > 0 {
		lr, err := b.loneRead(ctx)
		if err != nil {
			return nil, err
		}
		rep.LoneRead = lr
	}
	rep.Targets = targets(rep, b.opts)
	rep.TotalSeconds = time.Since(start).Seconds()
	return rep, nil
}

// runSummary is one run's figures, for the progress log: the medians of its rounds.
func runSummary(ops []string, floor, prov map[string][]sample) string {
	var parts []string
	for _, op := range ops {
		p := prov[op]
		part := fmt.Sprintf("%s %s", op, secondsOf(p))
		if f, ok := floor[op]; ok {
			part += fmt.Sprintf(" (floor %s)", secondsOf(f))
		}
		var cpu []float64
		var peak int64
		for _, s := range p {
			if s.Provider != nil && s.Provider.Processes > 0 {
				cpu = append(cpu, s.Provider.CPUSeconds)
				peak = max(peak, s.Provider.PeakBytes)
			}
		}
		if len(cpu) > 0 {
			part += fmt.Sprintf(" [cpu %.2fs, peak %.0f MiB]", median(cpu), float64(peak)/(1<<20))
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}

// secondsOf is the samples' times: one, or their median and each of them.
func secondsOf(samples []sample) string {
	var v []string
	var secs []float64
	for _, s := range samples {
		secs = append(secs, s.Seconds)
		v = append(v, fmt.Sprintf("%.2f", s.Seconds))
	}
	if len(samples) == 1 {
		return v[0] + "s"
	}
	return fmt.Sprintf("%.2fs (%s)", median(secs), strings.Join(v, " "))
}

func summarise(op string, n int, floor, prov []sample) opReport {
	r := opReport{Op: op, N: n}
	var perResource, writes []float64
	for _, s := range prov {
		if s.Provider == nil {
			continue
		}
		r.ProviderCPUS = append(r.ProviderCPUS, s.Provider.CPUSeconds)
		r.PeakBytes = max(r.PeakBytes, s.Provider.PeakBytes)
		r.Processes = max(r.Processes, s.Provider.Processes)
	}
	r.ProviderCPUMedianS, r.PeakMiB = median(r.ProviderCPUS), float64(r.PeakBytes)/(1<<20)
	for _, s := range floor {
		r.FloorS = append(r.FloorS, s.Seconds)
	}
	for _, s := range prov {
		r.ProviderS = append(r.ProviderS, s.Seconds)
		r.Requests = append(r.Requests, s.Requests)
		perResource = append(perResource, float64(s.Requests)/float64(n))
		writes = append(writes, float64(s.Writes)/float64(n))
		r.MaxInFlight = max(r.MaxInFlight, s.MaxInFlight)
		r.Routes = s.Routes
	}
	r.FloorMedianS, r.ProviderMedianS = median(r.FloorS), median(r.ProviderS)
	r.Ratio = ratio(r.ProviderMedianS, r.FloorMedianS)
	r.RequestsPerResource, r.WritesPerResource = median(perResource), median(writes)
	return r
}

func findOp(ops []opReport, op string, n int) *opReport {
	for i := range ops {
		if ops[i].Op == op && ops[i].N == n {
			return &ops[i]
		}
	}
	return nil
}

// loneRead fills the account with accountSize connections, then refreshes a workspace that
// manages just one of them: the read must cost one request, not a listing of the account.
func (b *bench) loneRead(ctx context.Context) (*loneRead, error) {
	size := b.opts.accountSize
	b.logf("lone read: filling the account with %d connections", size)
	if err := b.emu.SetFaults(emulator.FaultConfig{}); err != nil {
		return nil, err
	}
	if err := b.seed(ctx, size-1); err != nil {
		return nil, err
	}
	if err := b.emu.SetFaults(emulator.FaultConfig{Latency: b.opts.latency}); err != nil {
		return nil, err
	}
	w, err := b.newWorkspace("lone", 1)
	if err != nil {
		return nil, err
	}
	w.kind = "provider"
	if err := w.write(b, "a", false); err != nil {
		return nil, err
	}
	if _, err := b.measure(ctx, w, "apply", "-auto-approve"); err != nil {
		return nil, err
	}
	s, err := b.measure(ctx, w, "plan", "-detailed-exitcode")
	if err != nil {
		return nil, err
	}
	if _, err := b.measure(ctx, w, "destroy", "-auto-approve"); err != nil {
		return nil, err
	}
	lr := &loneRead{AccountSize: size, AllRequests: s.Requests, Routes: s.Routes}
	for route, count := range s.Routes {
		if route != "GET /v1/tokenInfo" {
			lr.ReadRequests += count
		}
	}
	b.logf("lone read: a refresh of 1 connection in an account of %d made %d read request(s) (%v)",
		size, lr.ReadRequests, s.Routes)
	return lr, nil
}

// seed creates count connections through the API, several at a time.
func (b *bench) seed(ctx context.Context, count int) error {
	c, err := client.New(client.WithToken(b.token), client.WithBaseURL(b.baseURL))
	if err != nil {
		return err
	}
	jobs := make(chan int)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				_, err := c.Connections.Create(ctx, &client.Connection{
					Type: client.ConnectionTypeRDBMS,
					Name: fmt.Sprintf("other-%d", i),
					RDBMS: &client.RDBMS{Type: client.RDBMSTypePostgreSQL, Host: "db.example.com", Port: 5432,
						Database: "other", User: "other", Password: "other-password"},
				})
				if err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range count {
		if len(errs) > 0 {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return fmt.Errorf("seeding the account: %w", err)
	default:
		return nil
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func sortedKeys(m map[string]int) []string {
	return slices.Sorted(maps.Keys(m))
}
