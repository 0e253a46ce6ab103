// Package acctest holds what the acceptance tests share: the provider served in-process, an
// in-process integrator.io emulator per test, a throwaway PostgreSQL server per test binary, and a
// Terraform CLI configuration that downloads nothing.
package acctest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/integratorio/terraform-provider-integratorio/internal/provider"
	"github.com/integratorio/terraform-provider-integratorio/internal/serve"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/pgserver"
)

// ProviderFactories serves the provider in-process, so `terraform init` needs no registry.
var ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"integratorio": serve.Factory(provider.New("test")()),
}

// Main prepares the environment for a package of acceptance tests and runs them:
// a CLI configuration file that exists (OpenTofu misreads a missing one), a Terraform binary
// that is present rather than downloaded, and the shared PostgreSQL server stopped at the end.
// With -sweep (`make sweep`) it runs the registered sweepers instead of the tests.
func Main(m *testing.M) {
	resource.TestMain(runner{m})
	// resource.TestMain exits itself, except after sweepers that all succeeded.
	os.Exit(0)
}

// runner runs the tests inside the prepared environment, for resource.TestMain.
type runner struct{ m *testing.M }

func (r runner) Run() int { return run(r.m) }

// workDir holds what the whole test binary shares: the CLI configuration and the provider binary.
var workDir string

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "integratorio-acctest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	workDir = dir
	if cfg := os.Getenv("TF_CLI_CONFIG_FILE"); cfg == "" || !fileExists(cfg) {
		path := filepath.Join(dir, "terraformrc")
		if err := os.WriteFile(path, []byte("# acceptance tests: no overrides\n"), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		os.Setenv("TF_CLI_CONFIG_FILE", path)
	}
	// The provider is served under its own namespace, so configurations that name its source
	// (integratorio/integratorio) and those that do not both resolve to it.
	if os.Getenv("TF_ACC_PROVIDER_NAMESPACE") == "" {
		os.Setenv("TF_ACC_PROVIDER_NAMESPACE", "integratorio")
	}
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		found, err := exec.LookPath("terraform")
		if err != nil {
			fmt.Fprintln(os.Stderr, "acceptance tests need a Terraform CLI and must not download one: "+
				"run `make tools` (it builds one into ./bin) or set TF_ACC_TERRAFORM_PATH")
			return 1
		}
		os.Setenv("TF_ACC_TERRAFORM_PATH", found)
	}
	code := m.Run()
	stopPostgres()
	return code
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Env is one test's integrator.io emulator.
type Env struct {
	Emulator *emulator.Server
	URL      string // base URL, ending in /v1
	Token    string
}

// NewEnv starts an in-process emulator for one test; cfg may adjust it (Tokens is filled in).
func NewEnv(t testing.TB, cfg emulator.Config) *Env {
	t.Helper()
	token := RandomToken()
	cfg.Tokens = append(cfg.Tokens, token)
	emu := emulator.New(cfg)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &Env{Emulator: emu, URL: srv.URL + "/v1", Token: token}
}

// RequiredProviders names the provider's source, for configurations the test framework does not
// complete itself (import steps).
const RequiredProviders = `
terraform {
  required_providers {
    integratorio = { source = "integratorio/integratorio" }
  }
}
`

// ProviderConfig is the provider block pointing at this emulator.
func (e *Env) ProviderConfig() string {
	return fmt.Sprintf(`
provider "integratorio" {
  base_url  = %q
  api_token = %q
}
`, e.URL, e.Token)
}

// RandomToken returns a fresh API token, unique enough to search logs for.
func RandomToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "tok" + hex.EncodeToString(b)
}

var (
	pgOnce   sync.Once
	pgServer *pgserver.Server
	pgErr    error
)

// Postgres returns the test binary's shared PostgreSQL server, starting it on first use. It
// fails the test with install instructions when the server binaries are missing.
func Postgres(t testing.TB) *pgserver.Server {
	t.Helper()
	pgOnce.Do(func() {
		pgServer, pgErr = pgserver.Start(context.Background(), pgserver.Options{})
	})
	if pgErr != nil {
		t.Fatalf("starting PostgreSQL for the acceptance tests: %v", pgErr)
	}
	return pgServer
}

func stopPostgres() {
	if pgServer != nil {
		_ = pgServer.Stop()
	}
}

// ErrorText returns a pattern matching each of the given pieces of a diagnostic, in order, as
// Terraform prints them: it wraps long lines, so any run of spaces may be a line break.
func ErrorText(pieces ...string) *regexp.Regexp {
	quoted := make([]string, len(pieces))
	for i, p := range pieces {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		quoted[i] = strings.Join(words, `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, `.*`))
}

var (
	buildOnce   sync.Once
	providerDir string
	buildErr    error
)

// BuiltProvider compiles the provider once per test binary and returns the directory holding
// it, for tests that run the CLI with the provider as its own process, as users do.
func BuiltProvider(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := clirunner.ModuleRoot()
		if err != nil {
			buildErr = err
			return
		}
		providerDir = filepath.Join(workDir, "provider")
		if buildErr = os.MkdirAll(providerDir, 0o700); buildErr == nil {
			_, buildErr = clirunner.BuildProvider(context.Background(), root, providerDir)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return providerDir
}
