// Package upgradetest is the upgrade suite (`make test-upgrade`): the provider of an earlier
// release, built from git by the make target, applies a realistic configuration with the real CLI
// (Terraform and OpenTofu) against the account the acceptance tests use; then the provider of this
// tree plans the same configuration, with and without a refresh, and must plan no change. A stored
// attribute whose meaning changed without a schema version and a state upgrader shows as a change
// in the plan without a refresh, and fails the suite.
package upgradetest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
)

// The variables `make test-upgrade` sets.
const (
	// EnvOldProvider is the path of the earlier release's provider binary (named
	// terraform-provider-integratorio, so dev_overrides can serve it).
	EnvOldProvider = "INTEGRATORIO_UPGRADE_OLD_PROVIDER"
	// EnvOldRevision names the revision it was built from, for messages.
	EnvOldRevision = "INTEGRATORIO_UPGRADE_OLD_REVISION"
	// EnvRequire fails the suite, instead of skipping it, when EnvOldProvider is missing.
	EnvRequire = "INTEGRATORIO_UPGRADE_REQUIRE"
	// EnvCLIs lists the CLIs to run it with, separated by spaces (default: TF_ACC_TERRAFORM_PATH).
	EnvCLIs = "INTEGRATORIO_UPGRADE_CLIS"
)

func TestMain(m *testing.M) { acctest.Main(m) }

// oldProvider returns the directory holding the earlier release's provider and the revision it
// was built from. Without one the suite is skipped, saying how to run it, except where EnvRequire
// is set (the make target, and so CI), where it fails.
func oldProvider(t *testing.T) (dir, revision string) {
	t.Helper()
	bin := os.Getenv(EnvOldProvider)
	revision = os.Getenv(EnvOldRevision)
	if revision == "" {
		revision = "an earlier revision"
	}
	if bin == "" {
		msg := fmt.Sprintf("%s is not set: the upgrade suite needs the provider of an earlier release; run `make test-upgrade` (REV=<revision> to choose it)", EnvOldProvider)
		if os.Getenv(EnvRequire) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if filepath.Base(bin) != "terraform-provider-integratorio" {
		t.Fatalf("%s=%s: the binary must be named terraform-provider-integratorio for dev_overrides to serve it", EnvOldProvider, bin)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s names no provider binary: %v", EnvOldProvider, err)
	}
	return filepath.Dir(bin), revision
}

// clis returns the CLIs the suite runs with.
func clis(t *testing.T) []string {
	t.Helper()
	list := strings.Fields(os.Getenv(EnvCLIs))
	if len(list) == 0 {
		list = strings.Fields(os.Getenv("TF_ACC_TERRAFORM_PATH"))
	}
	if len(list) == 0 {
		t.Fatalf("no CLI to run: set %s or TF_ACC_TERRAFORM_PATH", EnvCLIs)
	}
	for _, cli := range list {
		if _, err := os.Stat(cli); err != nil {
			t.Fatalf("%s names %s, which is missing: %v (run `make tools`)", EnvCLIs, cli, err)
		}
	}
	return list
}

// The connections of a realistic configuration: each way of logging in, each mode and both ways
// of setting concurrency; TLS with and without authenticating the server, and none.
func upgradeConfig(pg acctest.PG, cert acctest.PGCert, agent, prefix string) string {
	ssl := ""
	if pg.CA != "" {
		ssl = fmt.Sprintf("  use_ssl  = true\n  ssl_ca   = %q\n", pg.CA)
	}
	login := fmt.Sprintf("  host     = %q\n  port     = %d\n  database = %q\n", pg.Host, pg.Port, pg.Database)
	passphrase := ""
	if cert.Passphrase != "" {
		passphrase = fmt.Sprintf("  ssl_passphrase  = %q\n", cert.Passphrase)
	}
	return fmt.Sprintf(`
terraform {
  required_providers {
    integratorio = { source = %[1]q }
  }
}

provider "integratorio" {}

data "integratorio_agent" "a" {
  name           = %[2]q
  require_online = true
}

# A password in state, TLS when the database offers it, its own level and driver properties.
resource "integratorio_postgres_connection" "password" {
  name              = "%[3]s-password"
%[4]s  username          = %[5]q
  password          = %[6]q
%[7]s  concurrency_level = 8
  properties = {
    application_name  = "tf-upgrade"
    statement_timeout = "30000"
  }
}

# No TLS, borrowing the first one's concurrency.
resource "integratorio_postgres_connection" "borrower" {
  name                    = "%[3]s-borrower"
%[4]s  username                = %[5]q
  password                = %[6]q
  borrow_concurrency_from = integratorio_postgres_connection.password.id
}

# TLS without authenticating the server: encryption only.
resource "integratorio_postgres_connection" "encrypted" {
  name                          = "%[3]s-encrypted"
%[4]s  username                      = %[5]q
  password                      = %[6]q
  use_ssl                       = true
  ssl_verify_server_certificate = false
}

# A write-only password: never in state.
resource "integratorio_postgres_connection" "write_only" {
  name                = "%[3]s-write-only"
%[4]s  username            = %[5]q
  password_wo         = %[6]q
  password_wo_version = 1
%[7]s}

# A client certificate instead of a password.
resource "integratorio_postgres_connection" "certificate" {
  name            = "%[3]s-certificate"
%[4]s  username        = %[8]q
  use_ssl         = true
  ssl_ca          = %[9]q
  ssl_certificate = %[10]q
  ssl_key         = %[11]q
%[12]s}

# Through the on-premise agent.
resource "integratorio_postgres_connection" "on_premise" {
  name               = "%[3]s-on-premise"
  mode               = "on_premise"
  agent_id           = data.integratorio_agent.a.id
  connectivity_check = { direct = false }
%[4]s  username           = %[5]q
  password           = %[6]q
}
`, clirunner.ProviderSource, agent, prefix, login, pg.User, pg.Password, ssl,
		cert.User, pg.CA, cert.Cert, cert.Key, passphrase)
}

// TestAccUpgrade_planIsClean applies the configuration with the earlier release's provider, then
// plans it with this tree's: no change, without a refresh (state as the earlier release wrote it,
// through the state upgraders) and with one; then a change (every connection renamed) applies
// without a refresh, leaves state in this tree's schema version, and plans clean again.
func TestAccUpgrade_planIsClean(t *testing.T) {
	oldDir, revision := oldProvider(t)
	tg := acctest.Live(t)
	pg := acctest.LivePG(t)
	cert := acctest.LivePGCert(t)
	agent := acctest.LiveAgent(t)
	currentDir := acctest.BuiltProvider(t)
	env := []string{acctest.EnvToken + "=" + tg.Token}
	if tg.BaseURL != "" {
		env = append(env, acctest.EnvBaseURL+"="+tg.BaseURL)
	}
	if tg.Region != "" {
		env = append(env, acctest.EnvRegion+"="+tg.Region)
	}
	secrets := []string{tg.Token, pg.Password, cert.Key, cert.Passphrase}

	for _, binary := range clis(t) {
		t.Run(filepath.Base(binary), func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			oldRC, err := clirunner.WriteCLIConfig(mkdir(t, root, "old"), oldDir)
			if err != nil {
				t.Fatal(err)
			}
			currentRC, err := clirunner.WriteCLIConfig(mkdir(t, root, "current"), currentDir)
			if err != nil {
				t.Fatal(err)
			}
			work := mkdir(t, root, "work")
			prefix := acctest.RandomName("upgrade")
			config := upgradeConfig(pg, cert, agent, prefix)
			connections := strings.Count(config, `resource "integratorio_postgres_connection"`)
			if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(config), 0o600); err != nil {
				t.Fatal(err)
			}
			old := clirunner.CLI{Binary: binary, Dir: work, CLIConfig: oldRC, Env: env}
			current := old
			current.CLIConfig = currentRC
			run := func(ctx context.Context, cli clirunner.CLI, who string, args ...string) clirunner.Result {
				res := cli.Run(ctx, args...)
				t.Logf("%s: %s %s: %s", who, filepath.Base(binary), strings.Join(args, " "), res.Duration.Round(1e6))
				for _, s := range secrets {
					if s != "" && strings.Contains(res.Output(), s) {
						t.Errorf("%s %s printed a secret", filepath.Base(binary), strings.Join(args, " "))
					}
				}
				return res
			}

			if res := run(t.Context(), old, "the provider of "+revision, "apply", "-auto-approve", "-no-color"); res.Err != nil {
				t.Fatalf("the provider of %s could not apply the configuration: %v", revision, res.Err)
			}
			t.Cleanup(func() {
				// t.Context() is done by the time cleanups run.
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				defer cancel()
				if res := run(ctx, current, "this tree's provider", "destroy", "-auto-approve", "-no-color"); res.Err != nil {
					t.Errorf("destroying what the provider of %s made, with this tree's: %v", revision, res.Err)
				}
				conns, err := tg.Client(t).Connections.List(ctx)
				if err != nil {
					t.Fatalf("listing connections after the destroy: %v", err)
				}
				for _, c := range conns {
					if strings.HasPrefix(c.Name, prefix) {
						t.Errorf("the destroy left connection %s (%q)", c.ID, c.Name)
					}
				}
			})
			// The earlier release is clean against itself, so a change below is the upgrade's.
			if res := run(t.Context(), old, "the provider of "+revision, "plan", "-detailed-exitcode", "-no-color"); res.ExitCode() != 0 {
				t.Fatalf("the provider of %s plans a change to what it just applied (exit %d):\n%s", revision, res.ExitCode(), res.Output())
			}
			planIsClean := func(when string, args ...string) {
				res := run(t.Context(), current, "this tree's provider", args...)
				switch res.ExitCode() {
				case 0:
				case 2:
					t.Errorf("%s, this tree's provider plans a change with %s %s: "+
						"a stored attribute changed meaning without a schema version and a state upgrader "+
						"(see CONTRIBUTING.md, \"Upgrades\"):\n%s", when, filepath.Base(binary), strings.Join(args, " "), res.Stdout)
				default:
					t.Errorf("%s, this tree's provider fails to %s: %v", when, strings.Join(args, " "), res.Err)
				}
			}
			applied := "after applying with the provider of " + revision
			// Without a refresh, the plan compares the configuration with state as the earlier
			// release wrote it (through the state upgraders): a stored value whose meaning changed
			// shows here. With a refresh, Read rewrites state first, which hides it.
			planIsClean(applied, "plan", "-detailed-exitcode", "-no-color", "-refresh=false")
			planIsClean(applied, "plan", "-detailed-exitcode", "-no-color")
			// A change applied straight from state as the earlier release wrote it (no refresh to
			// fill in what it lacked): every connection renamed. State is then in this tree's
			// schema version, and stays clean.
			renamed := strings.ReplaceAll(config, prefix+"-", prefix+"-renamed-")
			if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(renamed), 0o600); err != nil {
				t.Fatal(err)
			}
			if res := run(t.Context(), current, "this tree's provider", "apply", "-auto-approve", "-no-color", "-refresh=false"); res.Err != nil {
				t.Fatalf("%s, this tree's provider cannot apply a change without a refresh: %v", applied, res.Err)
			} else if want := fmt.Sprintf("0 added, %d changed, 0 destroyed", connections); !strings.Contains(res.Stdout, want) {
				t.Errorf("renaming the %d connections did not say %q:\n%s", connections, want, res.Stdout)
			}
			planIsClean("after an apply with this tree's provider", "plan", "-detailed-exitcode", "-no-color", "-refresh=false")
			planIsClean("after an apply with this tree's provider", "plan", "-detailed-exitcode", "-no-color")
			schemaRes := run(t.Context(), current, "this tree's provider", "providers", "schema", "-json")
			if schemaRes.Err != nil {
				t.Fatal(schemaRes.Err)
			}
			want := resourceSchemaVersion(t, schemaRes.Stdout)
			if got := stateSchemaVersions(t, work); !slices.Equal(got, slices.Repeat([]int{want}, connections)) {
				t.Errorf("after an apply with this tree's provider, the connections' schema versions in state are %v; "+
					"want %d of them, each %d, this tree's", got, connections, want)
			}
		})
	}
}

// resourceSchemaVersion is the connection resource's schema version in `providers schema -json`.
func resourceSchemaVersion(t *testing.T, schemaJSON string) int {
	t.Helper()
	var schemas struct {
		ProviderSchemas map[string]struct {
			ResourceSchemas map[string]struct {
				Version int `json:"version"`
			} `json:"resource_schemas"`
		} `json:"provider_schemas"`
	}
	if err := json.Unmarshal([]byte(schemaJSON), &schemas); err != nil {
		t.Fatalf("reading providers schema -json: %v", err)
	}
	for _, p := range schemas.ProviderSchemas {
		if r, ok := p.ResourceSchemas["integratorio_postgres_connection"]; ok {
			return r.Version
		}
	}
	t.Fatal("providers schema -json has no integratorio_postgres_connection")
	return 0
}

// stateSchemaVersions lists the schema version of each connection in the directory's state file.
func stateSchemaVersions(t *testing.T, dir string) []int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Resources []struct {
			Type      string `json:"type"`
			Instances []struct {
				SchemaVersion int `json:"schema_version"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatalf("reading terraform.tfstate: %v", err)
	}
	var versions []int
	for _, r := range state.Resources {
		if r.Type == "integratorio_postgres_connection" {
			for _, i := range r.Instances {
				versions = append(versions, i.SchemaVersion)
			}
		}
	}
	return versions
}

func mkdir(t *testing.T, parent, name string) string {
	t.Helper()
	dir := filepath.Join(parent, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}
