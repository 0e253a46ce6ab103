package provider_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// TestSecrets_neverLeak runs a whole lifecycle through the real CLI with TF_LOG=trace and searches
// every byte Terraform and the provider wrote for the token, the password, the key and the
// passphrase. The only hits allowed are the sensitive attributes the user chose to keep in
// state (password, ssl_key, ssl_passphrase), and only in the state file and `show -json` of it.
func TestSecrets_neverLeak(t *testing.T) {
	t.Parallel()
	acctest.SkipCLIBelow(t, 1, 11, "write-only attributes and ephemeral variables")
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	work := cli.Dir
	logFile := filepath.Join(t.TempDir(), "terraform.log")
	cli.Env = append(cli.Env, "TF_LOG=trace", "TF_LOG_PATH="+logFile)

	secrets := map[string]string{"API token": env.Token, "password": pg.Password, "client key": pg.ClientKeyEncrypted,
		"key passphrase": pg.ClientKeyPassphrase, "write-only client key": pg.ClientKey}
	// Secrets travel in variables, as users pass them (TF_VAR_...), never in the .tf files.
	cli.Env = append(cli.Env, "TF_VAR_password="+pg.Password, "TF_VAR_key="+pg.ClientKeyEncrypted, "TF_VAR_passphrase="+pg.ClientKeyPassphrase,
		"TF_VAR_plain_key="+pg.ClientKey)

	writeConfig := func(version int) {
		cfg := fmt.Sprintf(`
terraform {
  required_providers {
    integratorio = { source = %[1]q }
  }
}
provider "integratorio" {}

# ephemeral keeps the value out of plan files too (Terraform 1.10+); it can only feed write-only attributes.
variable "password" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "plain_key" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "key" {
  type      = string
  sensitive = true
}
variable "passphrase" {
  type      = string
  sensitive = true
}

# Write-only: the password must be nowhere in state.
resource "integratorio_postgres_connection" "wo" {
  name                = "write-only"
  host                = %[2]q
  port                = %[3]d
  database            = %[4]q
  username            = %[5]q
  password_wo         = var.password
  password_wo_version = %[6]d
  use_ssl             = true
  ssl_ca              = %[7]q
}

# Client certificate with a write-only key: the key must be nowhere in state.
resource "integratorio_postgres_connection" "wo_cert" {
  name               = "write-only certificate"
  host               = %[2]q
  port               = %[3]d
  database           = %[4]q
  username           = %[8]q
  use_ssl            = true
  ssl_ca             = %[7]q
  ssl_certificate    = %[9]q
  ssl_key_wo         = var.plain_key
  ssl_key_wo_version = %[6]d
}

# Client certificate with an encrypted key: key and passphrase are kept in state (sensitive).
resource "integratorio_postgres_connection" "cert" {
  name            = "certificate"
  host            = %[2]q
  port            = %[3]d
  database        = %[4]q
  username        = %[8]q
  use_ssl         = true
  ssl_ca          = %[7]q
  ssl_certificate = %[9]q
  ssl_key         = var.key
  ssl_passphrase  = var.passphrase
}
`, clirunner.ProviderSource, pg.Host, pg.Port, pg.Database, pg.PasswordUser, version, pg.CA, pg.CertUser, pg.ClientCert)
		if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	ctx := t.Context()
	var outputs []clirunner.Result
	run := func(args ...string) clirunner.Result {
		t.Helper()
		r := cli.Run(ctx, args...)
		outputs = append(outputs, r)
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		return r
	}

	writeConfig(1)
	run("apply", "-auto-approve", "-no-color")
	run("plan", "-no-color", "-detailed-exitcode") // exit 0: empty plan
	run("plan", "-no-color", "-out=plan.bin")
	planJSON := run("show", "-json", "plan.bin")

	// Import the certificate connection into a fresh state, then plan.
	state := run("show", "-json")
	certID := resourceID(t, state.Stdout, "integratorio_postgres_connection.cert")
	run("state", "rm", "integratorio_postgres_connection.cert")
	run("import", "-no-color", "integratorio_postgres_connection.cert", certID)
	run("apply", "-auto-approve", "-no-color")

	writeConfig(2) // rotation through password_wo_version
	run("apply", "-auto-approve", "-no-color")
	stateJSON := run("show", "-json")
	run("destroy", "-auto-approve", "-no-color")

	if n := len(env.Emulator.Connections()); n != 0 {
		t.Fatalf("destroy left %d connections", n)
	}

	// A whole connection URL, password included, given as the host from a sensitive variable:
	// the plan is refused, and neither its output nor the log may echo the password.
	// So is a host given with a path, whose every part may be secret (here the password stands in
	// for the host name's first label).
	cli.Env = append(cli.Env, "TF_VAR_db_url=postgres://admin:"+pg.Password+"@db.example.com:5432/orders",
		"TF_VAR_db_host_path="+pg.Password+".example.com:5432/orders")
	writeFile(t, work, "main.tf", fmt.Sprintf(`
terraform {
  required_providers {
    integratorio = { source = %[1]q }
  }
}
provider "integratorio" {}

variable "db_url" {
  type      = string
  sensitive = true
}

resource "integratorio_postgres_connection" "url" {
  name     = "url as host"
  host     = var.db_url
  database = "orders"
  username = "admin"
  password = "placeholder"
}

variable "db_host_path" {
  type      = string
  sensitive = true
}

resource "integratorio_postgres_connection" "path" {
  name     = "host with a path"
  host     = var.db_host_path
  database = "orders"
  username = "admin"
  password = "placeholder"
}
`, clirunner.ProviderSource))
	urlPlan := cli.Run(ctx, "plan", "-no-color")
	outputs = append(outputs, urlPlan)
	if urlPlan.Err == nil || !acctest.ErrorText("Invalid Database Host", "The host is a URL with a scheme, a user name (and perhaps a password), "+
		"a host name, a port and a path.").MatchString(urlPlan.Output()) {
		t.Errorf("a URL given as the host was not refused with its secret-free message:\n%s", urlPlan.Output())
	}
	if !acctest.ErrorText("Invalid Database Host", "The host is a host name and a port followed by a path").MatchString(urlPlan.Output()) {
		t.Errorf("a host with a path was not refused with its secret-free message:\n%s", urlPlan.Output())
	}

	// Everything written outside state must be clean.
	type place struct{ name, text string }
	var places []place
	for i, r := range outputs {
		if r.Args[0] == "show" {
			continue // judged below: show -json prints state and plan values
		}
		places = append(places, place{fmt.Sprintf("output of command %d (%s)", i, strings.Join(r.Args, " ")), r.Output()})
	}
	logBytes, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(logBytes) < 10000 {
		t.Fatalf("the trace log holds only %d bytes: TF_LOG=trace did not take effect", len(logBytes))
	}
	places = append(places, place{"the TF_LOG=trace log", string(logBytes)})
	// The log is useful as well as clean: each connectivity check is there with its duration.
	// (hclog sorts the fields of a line, so match each check's line by its fields, in any order.)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`connectivity check passed:.*check=direct.*`),
		regexp.MustCompile(`connectivity check passed:.*check=via_api.*`),
	} {
		line := want.FindString(string(logBytes))
		if line == "" || !strings.Contains(line, "duration_ms=") {
			t.Errorf("the trace log has no line matching %s with its duration_ms", want)
		}
	}
	if crash, err := filepath.Glob(filepath.Join(work, "crash*.log")); err == nil {
		for _, f := range crash {
			b, _ := os.ReadFile(f)
			places = append(places, place{f, string(b)})
		}
	}
	for _, p := range places {
		for what, secret := range secrets {
			for _, needle := range needles(secret) {
				if strings.Contains(p.text, needle) {
					t.Errorf("the %s (or a line of it) appears in %s", what, p.name)
					break
				}
			}
		}
	}

	// The plan file's JSON and the state may hold exactly the secrets kept in state by choice.
	for _, p := range []place{{"terraform show -json (plan)", planJSON.Stdout}, {"terraform show -json (state)", stateJSON.Stdout}} {
		for _, what := range []string{"API token", "password", "write-only client key"} {
			if strings.Contains(p.text, secrets[what]) {
				t.Errorf("the %s appears in %s", what, p.name)
			}
		}
	}
	if !strings.Contains(stateJSON.Stdout, jsonEscape(pg.ClientKeyEncrypted)) {
		t.Errorf("ssl_key is expected in state (sensitive, by the user's choice) but was not found: the search would not see it either")
	}
	t.Logf("searched %d command outputs and a %d-byte trace log: token, password and write-only key found nowhere; "+
		"ssl_key and ssl_passphrase only in state, as chosen", len(outputs), len(logBytes))
}

func resourceID(t *testing.T, showJSON, address string) string {
	t.Helper()
	i := strings.Index(showJSON, `"address":"`+address+`"`)
	if i < 0 {
		t.Fatalf("%s not in state", address)
	}
	rest := showJSON[i:]
	j := strings.Index(rest, `"id":"`)
	if j < 0 {
		t.Fatalf("no id for %s", address)
	}
	rest = rest[j+len(`"id":"`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// jsonEscape renders s as it appears inside a JSON string.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// needles are the strings whose presence means a secret leaked: the secret itself and, for PEM
// text, each of its base64 lines, so a key printed in pieces or re-wrapped is found too.
func needles(secret string) []string {
	out := []string{secret}
	for _, line := range strings.Split(secret, "\n") {
		if len(line) >= 40 && !strings.HasPrefix(line, "-----") {
			out = append(out, line)
		}
	}
	return out
}
