package provider_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// TestEmulatorCLI_serviceMessagesNeverCarrySecrets has integrator.io's test fail with a message
// that quotes the connection's password (raw and URL-escaped, as in a connection string), client
// key and passphrase, as a driver error may. Through the real CLI with TF_LOG=trace, on the
// failed test before a create (an error) and the failed test after one (a warning), none of the
// secrets is in Terraform's output or its trace log, though they came from sensitive variables
// through write-only arguments.
func TestEmulatorCLI_serviceMessagesNeverCarrySecrets(t *testing.T) {
	t.Parallel()
	acctest.SkipCLIBelow(t, 1, 11, "write-only attributes")
	pg := acctest.Postgres(t)
	const password = "p@ss word/Zq71-service-echo"
	var pings atomic.Int64
	passFirst := atomic.Bool{}
	env := acctest.NewEnv(t, emulator.Config{Pinger: func(_ context.Context, target emulator.PingTarget) error {
		if pings.Add(1) == 1 && passFirst.Load() {
			return nil // the unsaved test passes; the one after the save fails
		}
		msg := "FATAL: could not connect with postgres://" + target.User + ":" + url.QueryEscape(target.Password) + "@" + target.Host +
			"/db (password=" + target.Password + ")"
		if target.SSL != nil {
			msg += "; key " + target.SSL.Key + " passphrase " + target.SSL.Passphrase
		}
		return &emulator.PingError{Code: "connection_failed", Message: msg}
	}})
	logFile := filepath.Join(t.TempDir(), "terraform.log")
	cli := newCLI(t, env)
	cli.Env = append(cli.Env, "TF_LOG=trace", "TF_LOG_PATH="+logFile,
		"TF_VAR_password="+password, "TF_VAR_key="+pg.ClientKeyEncrypted, "TF_VAR_passphrase="+pg.ClientKeyPassphrase)
	writeFile(t, cli.Dir, "main.tf", `
terraform {
  required_providers {
    integratorio = { source = "`+clirunner.ProviderSource+`" }
  }
}
provider "integratorio" {}
variable "password" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "key" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "passphrase" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "integratorio_postgres_connection" "c" {
  name                      = "echoes"
  host                      = "db.example.com"
  database                  = "orders"
  username                  = "svc"
  password_wo               = var.password
  password_wo_version       = 1
  use_ssl                   = true
  ssl_ca                    = `+quoteHCL(pg.CA)+`
  ssl_certificate           = `+quoteHCL(pg.ClientCert)+`
  ssl_key_wo                = var.key
  ssl_key_wo_version        = 1
  ssl_passphrase_wo         = var.passphrase
  connectivity_check        = { direct = false, via_api = true }
}
`)
	ctx := t.Context()
	var outputs []string
	failed := cli.Run(ctx, "apply", "-auto-approve", "-no-color")
	outputs = append(outputs, failed.Output())
	if failed.Err == nil || !strings.Contains(failed.Output(), "FATAL: could not connect") {
		t.Fatalf("apply with a failing test: want it to fail quoting the service's message:\n%s", failed.Output())
	}
	passFirst.Store(true)
	pings.Store(0)
	warned := cli.Run(ctx, "apply", "-auto-approve", "-no-color")
	outputs = append(outputs, warned.Output())
	if warned.Err != nil || !strings.Contains(warned.Output(), "FATAL: could not connect") {
		t.Fatalf("apply whose saved test fails: want a warning quoting the service's message:\n%s", warned.Output())
	}
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(log))
	secrets := map[string]string{"password": password, "URL-escaped password": url.QueryEscape(password),
		"passphrase": pg.ClientKeyPassphrase, "key": keyBody(pg.ClientKeyEncrypted)}
	for i, text := range outputs {
		for name, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("output %d (of apply, apply, trace log) holds the %s", i, name)
			}
		}
	}
}

// quoteHCL writes s as an HCL heredoc-free string literal.
func quoteHCL(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "${", "$${", "%{", "%%{").Replace(s) + `"`
}

// keyBody is the longest base64 line of a PEM key: what a leak of the key would contain.
func keyBody(pemText string) string {
	longest := ""
	for _, line := range strings.Split(pemText, "\n") {
		if !strings.HasPrefix(line, "-----") && len(line) > len(longest) {
			longest = line
		}
	}
	return longest
}
