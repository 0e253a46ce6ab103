package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/pgserver"
)

// Operation names, in the order they run and are reported.
const (
	opCreate           = "create"
	opRefresh          = "refresh"
	opRefreshNoop      = "refresh, no-op provider"
	opRefreshDecode    = "refresh, decode floor"
	opRefreshFramework = "refresh, fast path off" // INTEGRATORIO_REFRESH_FAST_PATH=0: every call through the framework
	opRefreshBaseline  = "refresh, baseline provider"
	opUpdate           = "update"
	opDestroy          = "destroy"
	opCreateDirect     = "create+direct"
)

// gcOp names a refresh with the provider under other garbage-collector settings.
func gcOp(setting string) string { return "refresh, " + setting }

// operations are the operations measured at n, in order. Above -full-cycle-max-n the update, the
// destroy and the create with the direct check are left out: they take minutes at that scale
// (a destroy of 2,000 took 5 minutes on the floor alone) and scale as the create does.
func (b *bench) operations(n int) []string {
	ops := []string{opCreate, opRefresh, opRefreshFramework, opRefreshNoop, opRefreshDecode}
	if b.baselineCLICfg != "" {
		ops = append(ops, opRefreshBaseline)
	}
	for _, g := range b.opts.gcSettings {
		ops = append(ops, gcOp(g))
	}
	if b.fullCycle(n) {
		ops = append(ops, opUpdate, opDestroy, opCreateDirect)
	}
	return ops
}

func (b *bench) fullCycle(n int) bool { return n <= b.opts.fullCycleMaxN }

// bench holds everything one invocation starts; close stops it all.
type bench struct {
	opts   options
	out    io.Writer
	tmp    string
	root   string
	tf     string
	tfVer  string
	cliCfg string
	prov   string // the provider binary
	// noopCLICfg serves integratorio-noop-provider in the provider's place: the same schemas and
	// no work, so a refresh with it costs what Terraform itself costs for a plugin provider.
	noopCLICfg string
	noop       string // its binary
	// baselineCLICfg serves the provider built from -baseline, when given.
	baselineCLICfg string
	baseline       string // its binary

	pg       *pgserver.Server
	caFile   string
	emu      *emulator.Server
	counter  *inflightCounter
	httpSrv  *http.Server
	baseURL  string
	token    string
	closeFns []func()
}

func newBench(ctx context.Context, opts options, out io.Writer) (_ *bench, err error) {
	b := &bench{opts: opts, out: out}
	defer func() {
		if err != nil {
			b.close() // b, not the result, which a failing return sets to nil
		}
	}()
	if b.root, err = clirunner.ModuleRoot(); err != nil {
		return nil, err
	}
	if b.tf, err = findTerraform(opts.terraform, b.root); err != nil {
		return nil, err
	}
	if b.tmp, err = os.MkdirTemp("", "integratorio-bench-"); err != nil {
		return nil, err
	}
	if !opts.keepWorkDirs {
		b.closeFns = append(b.closeFns, func() { _ = os.RemoveAll(b.tmp) })
	}

	b.logf("building the provider")
	provDir := filepath.Join(b.tmp, "provider")
	if err := os.MkdirAll(provDir, 0o755); err != nil {
		return nil, err
	}
	if b.prov, err = clirunner.BuildProvider(ctx, b.root, provDir); err != nil {
		return nil, err
	}
	if b.cliCfg, err = clirunner.WriteCLIConfig(b.tmp, provDir); err != nil {
		return nil, err
	}
	noopDir := filepath.Join(b.tmp, "noop-provider")
	if err := os.MkdirAll(noopDir, 0o755); err != nil {
		return nil, err
	}
	if b.noop, err = clirunner.BuildProviderFrom(ctx, b.root, "./internal/cmd/integratorio-noop-provider", noopDir); err != nil {
		return nil, err
	}
	if b.noopCLICfg, err = clirunner.WriteCLIConfig(noopDir, noopDir); err != nil {
		return nil, err
	}
	if opts.baseline != "" {
		b.logf("building the provider at %s (the baseline)", opts.baseline)
		if err := b.buildBaseline(ctx); err != nil {
			return nil, err
		}
	}
	if b.tfVer, err = terraformVersion(ctx, b.tf, b.cliCfg); err != nil {
		return nil, err
	}
	b.logf("using Terraform %s at %s", b.tfVer, b.tf)

	b.logf("starting PostgreSQL")
	// Enough connections for -parallelism direct checks plus the comparison's own.
	b.pg, err = pgserver.Start(ctx, pgserver.Options{MaxConnections: max(50, 2*opts.parallelism+10)})
	if err != nil {
		return nil, err
	}
	b.closeFns = append(b.closeFns, func() { _ = b.pg.Stop() })
	b.caFile = filepath.Join(b.tmp, "ca.pem")
	if err := os.WriteFile(b.caFile, []byte(b.pg.CA), 0o600); err != nil {
		return nil, err
	}
	b.logf("PostgreSQL %s at %s", b.pg.Version(), b.pg.Addr())

	if err := b.startEmulator(); err != nil {
		return nil, err
	}
	return b, nil
}

// buildBaseline builds the provider from the -baseline revision of this repository, in a git
// worktree of its own, so one run can set old code beside new.
func (b *bench) buildBaseline(ctx context.Context) error {
	src := filepath.Join(b.tmp, "baseline-src")
	git := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = b.root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := git("worktree", "add", "--detach", src, b.opts.baseline); err != nil {
		return err
	}
	defer func() { _ = git("worktree", "remove", "--force", src) }()
	dir := filepath.Join(b.tmp, "baseline-provider")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var err error
	if b.baseline, err = clirunner.BuildProvider(ctx, src, dir); err != nil {
		return err
	}
	b.baselineCLICfg, err = clirunner.WriteCLIConfig(dir, dir)
	return err
}

func (b *bench) close() {
	for i := len(b.closeFns) - 1; i >= 0; i-- {
		b.closeFns[i]()
	}
	b.closeFns = nil
}

func (b *bench) logf(format string, args ...any) {
	_, _ = fmt.Fprintf(b.out, "bench: "+format+"\n", args...)
}

// startEmulator serves the emulator on a loopback port from this process. Its controls (latency,
// counters) are method calls, so they add no latency and no requests of their own.
func (b *bench) startEmulator() error {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	b.token = "bench-" + hex.EncodeToString(raw[:])
	b.emu = emulator.New(emulator.Config{
		Tokens:   []string{b.token},
		PageSize: b.opts.pageSize,
		// The benchmark measures the provider, not the account's rate limit.
		RateLimitBurst:     1 << 30,
		RateLimitPerSecond: 1 << 30,
	})
	if err := b.emu.SetFaults(emulator.FaultConfig{Latency: b.opts.latency}); err != nil {
		return err
	}
	b.counter = &inflightCounter{next: b.emu}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	b.httpSrv = &http.Server{Handler: b.counter, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = b.httpSrv.Serve(ln) }()
	b.closeFns = append(b.closeFns, func() { _ = b.httpSrv.Close() })
	b.baseURL = "http://" + ln.Addr().String() + "/v1"
	b.logf("emulator at %s with %s latency per request", b.baseURL, b.opts.latency)
	return nil
}

// inflightCounter counts API requests being served and remembers the most at once.
type inflightCounter struct {
	next    http.Handler
	current atomic.Int64
	peak    atomic.Int64
}

func (c *inflightCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/v1/") {
		n := c.current.Add(1)
		for {
			p := c.peak.Load()
			if n <= p || c.peak.CompareAndSwap(p, n) {
				break
			}
		}
		defer c.current.Add(-1)
	}
	c.next.ServeHTTP(w, r)
}

func (c *inflightCounter) reset() { c.peak.Store(c.current.Load()) }

func terraformVersion(ctx context.Context, tf, cliCfg string) (string, error) {
	res := clirunner.CLI{Binary: tf, Dir: os.TempDir(), CLIConfig: cliCfg}.Run(ctx, "version", "-json")
	if res.Err != nil {
		return "", res.Err
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &v); err != nil || v.Version == "" {
		return "", fmt.Errorf("cannot read the Terraform version from %q", res.Stdout)
	}
	return v.Version, nil
}

// sample is one measured CLI command.
type sample struct {
	Seconds     float64        `json:"seconds"`
	Requests    int            `json:"requests"`
	Writes      int            `json:"writes"`
	MaxInFlight int            `json:"max_in_flight"`
	Routes      map[string]int `json:"routes,omitempty"`
	Provider    *usage         `json:"provider,omitempty"` // its provider processes, where /proc tells
}

// workspace is one configuration directory and the CLI that runs in it.
type workspace struct {
	cli  clirunner.CLI
	kind string // "provider" or "floor"
	n    int
	exe  string // the provider binary the CLI runs, sampled while it runs; "" for the floor
}

// servedBy is w with another provider binary in the provider's place, and extra environment.
func (w *workspace) servedBy(exe, cliConfig string, env ...string) *workspace {
	other := *w
	other.exe, other.cli.CLIConfig = exe, cliConfig
	other.cli.Env = append(slices.Clone(w.cli.Env), env...)
	return &other
}

func (b *bench) newWorkspace(kind string, n int) (*workspace, error) {
	dir := filepath.Join(b.tmp, fmt.Sprintf("%s-%d", kind, n))
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	exe := b.prov
	if kind == "floor" {
		exe = ""
	}
	return &workspace{kind: kind, n: n, exe: exe, cli: clirunner.CLI{
		Binary:    b.tf,
		Dir:       dir,
		CLIConfig: b.cliCfg,
		Env: []string{
			"TF_LOG=", "TF_LOG_PROVIDER=", "TF_LOG_CORE=",
			"INTEGRATORIO_API_TOKEN=" + b.token,
			"INTEGRATORIO_BASE_URL=" + b.baseURL,
			"TF_VAR_pg_password=" + b.pg.Password,
		},
	}}, nil
}

// write replaces the workspace's configuration.
func (w *workspace) write(b *bench, rev string, direct bool) error {
	var text string
	if w.kind == "floor" {
		text = floorConfig(w.n, rev, b.pg, b.caFile)
	} else {
		text = providerConfig(w.n, rev, direct, b.opts.viaAPI, b.pg, b.caFile)
	}
	return os.WriteFile(filepath.Join(w.cli.Dir, "main.tf"), []byte(text), 0o600)
}

// measure runs one CLI command and what the emulator saw while it ran.
func (b *bench) measure(ctx context.Context, w *workspace, args ...string) (sample, error) {
	args = append(args, "-input=false", "-no-color", fmt.Sprintf("-parallelism=%d", b.opts.parallelism))
	b.emu.ResetStats()
	b.counter.reset()
	var sampler *procSampler
	if w.exe != "" && procAvailable() {
		sampler = startSampling(w.exe, 10*time.Millisecond)
	}
	res := w.cli.Run(ctx, args...)
	stats := b.emu.Stats()
	s := sample{Seconds: res.Duration.Seconds(), MaxInFlight: int(b.counter.peak.Load()), Routes: stats}
	if sampler != nil {
		u := sampler.finish()
		s.Provider = &u
	}
	for route, count := range stats {
		s.Requests += count
		if isWrite(route) {
			s.Writes += count
		}
	}
	if res.Err != nil {
		return s, res.Err
	}
	return s, nil
}

// isWrite reports whether a stats key ("METHOD /v1/pattern") changes a connection.
func isWrite(route string) bool {
	method, path, _ := strings.Cut(route, " ")
	if !strings.HasPrefix(path, "/v1/connections") || strings.HasSuffix(path, "/ping") {
		return false
	}
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodDelete || method == http.MethodPatch
}

// step is one measured command of a cycle: the operation, the configuration's revision, the CLI's
// arguments.
type step struct {
	op   string
	rev  string
	args []string
}

// variant is a refresh with something else serving the provider.
type variant struct {
	op string
	w  *workspace
}

// cycle runs create, refresh, update and destroy in w and returns the samples of each; above
// -full-cycle-max-n it leaves the update out. The refresh runs -refresh-rounds times; after each
// of the provider's come the same refresh with the fast path off, the no-op provider, the decode
// floor, the baseline provider and each -gc setting, back to back, so that every round compares
// refreshes made within seconds of each other.
func (b *bench) cycle(ctx context.Context, w *workspace) (map[string][]sample, error) {
	out := map[string][]sample{}
	if err := w.write(b, "a", false); err != nil {
		return nil, err
	}
	steps := []step{
		{opCreate, "a", []string{"apply", "-auto-approve"}},
		// -detailed-exitcode: exit 2 (changes) is an error, so the refresh proves nothing drifted.
		{opRefresh, "a", []string{"plan", "-detailed-exitcode"}},
		{opUpdate, "b", []string{"apply", "-auto-approve"}},
		{opDestroy, "b", []string{"destroy", "-auto-approve"}},
	}
	if !b.fullCycle(w.n) {
		steps = slices.DeleteFunc(steps, func(st step) bool { return st.op == opUpdate || st.op == opDestroy })
		defer b.forget(w)
	}
	for _, st := range steps {
		if err := w.write(b, st.rev, false); err != nil {
			return nil, err
		}
		rounds := 1
		if st.op == opRefresh {
			rounds = b.opts.refreshRounds
		}
		for range rounds {
			s, err := b.measure(ctx, w, st.args...)
			if err != nil {
				return nil, fmt.Errorf("%s at N=%d (%s): %w", st.op, w.n, w.kind, err)
			}
			if err := b.verify(w, st.op); err != nil {
				return nil, err
			}
			out[st.op] = append(out[st.op], s)
			if st.op == opRefresh && w.kind == "provider" {
				if err := b.refreshVariants(ctx, w, st.args, out); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// decodeFloorEnv makes integratorio-noop-provider the decode floor: it decodes and encodes every
// value of a refresh with the schema (its DecodeEnvVar).
const decodeFloorEnv = "INTEGRATORIO_NOOP_DECODE=1"

// refreshVariants runs the refresh again with the fast path off, the no-op provider, the decode floor, the baseline provider and the
// provider under each -gc setting, into out.
func (b *bench) refreshVariants(ctx context.Context, w *workspace, args []string, out map[string][]sample) error {
	variants := []variant{
		{opRefreshFramework, w.servedBy(b.prov, b.cliCfg, "INTEGRATORIO_REFRESH_FAST_PATH=0")},
		{opRefreshNoop, w.servedBy(b.noop, b.noopCLICfg)},
		{opRefreshDecode, w.servedBy(b.noop, b.noopCLICfg, decodeFloorEnv)},
	}
	if b.baselineCLICfg != "" {
		variants = append(variants, variant{opRefreshBaseline, w.servedBy(b.baseline, b.baselineCLICfg)})
	}
	for _, g := range b.opts.gcSettings {
		variants = append(variants, variant{gcOp(g), w.servedBy(b.prov, b.cliCfg, strings.Split(g, ",")...)})
	}
	for _, v := range variants {
		s, err := b.measure(ctx, v.w, args...)
		if err != nil {
			return fmt.Errorf("%s at N=%d: %w", v.op, w.n, err)
		}
		out[v.op] = append(out[v.op], s)
	}
	return nil
}

// forget clears what a cycle left without measuring it: the workspace's state and, for the
// provider, the emulator's connections.
func (b *bench) forget(w *workspace) {
	for _, f := range []string{"terraform.tfstate", "terraform.tfstate.backup"} {
		_ = os.Remove(filepath.Join(w.cli.Dir, f))
	}
	if w.kind == "provider" {
		b.emu.Reset()
		_ = b.emu.SetFaults(emulator.FaultConfig{Latency: b.opts.latency})
	}
}

// directCycle creates the resources with the direct check on, then destroys them unmeasured.
func (b *bench) directCycle(ctx context.Context, w *workspace) (sample, error) {
	if err := w.write(b, "a", true); err != nil {
		return sample{}, err
	}
	s, err := b.measure(ctx, w, "apply", "-auto-approve")
	if err != nil {
		return s, fmt.Errorf("%s at N=%d: %w", opCreateDirect, w.n, err)
	}
	if err := b.verify(w, opCreate); err != nil {
		return s, err
	}
	if res := w.cli.Run(ctx, "destroy", "-auto-approve", "-input=false", "-no-color",
		fmt.Sprintf("-parallelism=%d", b.opts.parallelism)); res.Err != nil {
		return s, res.Err
	}
	return s, b.verify(w, opDestroy)
}

// verify checks the emulator holds what the operation should have left.
func (b *bench) verify(w *workspace, op string) error {
	if w.kind != "provider" {
		return nil
	}
	conns := b.emu.Connections()
	want := w.n
	if op == opDestroy {
		want = 0
	}
	if len(conns) != want {
		return fmt.Errorf("after %s at N=%d the emulator holds %d connections, want %d", op, w.n, len(conns), want)
	}
	if op == opUpdate {
		for _, c := range conns {
			if name, _ := c["name"].(string); !strings.HasSuffix(name, "-b") {
				return fmt.Errorf("after update at N=%d connection %v is named %q", w.n, c["_id"], name)
			}
		}
	}
	return nil
}
