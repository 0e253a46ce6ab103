package provider_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// newCLI prepares a working directory for the real CLI with the built provider, pointed at env.
func newCLI(t *testing.T, env *acctest.Env) clirunner.CLI {
	t.Helper()
	dir := t.TempDir()
	cliConfig, err := clirunner.WriteCLIConfig(dir, acctest.BuiltProvider(t))
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	return clirunner.CLI{
		Binary: os.Getenv("TF_ACC_TERRAFORM_PATH"), Dir: work, CLIConfig: cliConfig,
		Env: []string{"INTEGRATORIO_API_TOKEN=" + env.Token, "INTEGRATORIO_BASE_URL=" + env.URL},
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

const requiredProviders = `
terraform {
  required_providers {
    integratorio = { source = "integratorio/integratorio" }
  }
}
`

// expiredCA returns a self-signed CA certificate that expired a year ago.
func expiredCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "old-db-ca"},
		NotBefore: time.Now().AddDate(-3, 0, 0), NotAfter: time.Now().AddDate(-1, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// Warnings do not stop a plan, so they are checked in what the CLI prints.
func TestCLI_validateWarnings(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	writeFile(t, cli.Dir, "main.tf", requiredProviders+fmt.Sprintf(`
resource "integratorio_postgres_connection" "test" {
  name              = "Warned"
  host              = "db.example.com"
  database          = "orders"
  username          = "svc"
  password          = "a-password"
  use_ssl           = true
  ssl_ca            = %q
}
`, expiredCA(t)))
	res := cli.Run(t.Context(), "validate", "-no-color")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	out := res.Output()
	for _, want := range []string{
		"Warning: CA Certificate Expired",
		`"CN=old-db-ca" expired on`,
	} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
}

// An import block with -generate-config-out writes a configuration for an existing connection.
func TestCLI_importGeneratesConfig(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	created, err := apiClient(t, env).Connections.Create(t.Context(), &client.Connection{
		Type: client.ConnectionTypeRDBMS, Name: "Made in the UI",
		RDBMS: &client.RDBMS{Type: client.RDBMSTypePostgreSQL, Host: pg.Host, Port: client.Port(pg.Port),
			Database: pg.Database, User: pg.PasswordUser, Password: pg.Password, ConcurrencyLevel: 8,
			SSL: &client.SSL{CA: pg.CA}, Options: []client.Option{{Name: "statement_timeout", Value: "1000"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cli := newCLI(t, env)
	writeFile(t, cli.Dir, "main.tf", requiredProviders+fmt.Sprintf(`
import {
  to = integratorio_postgres_connection.imported
  id = %q
}
`, created.ID))
	res := cli.Run(t.Context(), "plan", "-no-color", "-generate-config-out=generated.tf")
	generated, readErr := os.ReadFile(filepath.Join(cli.Dir, "generated.tf"))
	if readErr != nil {
		t.Fatalf("no generated.tf: %v\n%s", readErr, res.Output())
	}
	if res.Err != nil {
		t.Fatalf("planning the import with a generated configuration failed:\n%s", res.Output())
	}
	for _, want := range []string{`name                    = "Made in the UI"`, `concurrency_level       = 8`,
		`statement_timeout = "1000"`, `use_ssl                       = true`, `password                = null # sensitive`} {
		if !strings.Contains(string(generated), want) {
			t.Errorf("generated.tf lacks %q:\n%s", want, generated)
		}
	}
	if r := cli.Run(t.Context(), "validate", "-no-color"); r.Err != nil {
		t.Fatalf("the generated configuration does not validate:\n%s", r.Output())
	}
	if !strings.Contains(res.Stdout, "1 to import, 0 to add, 0 to change, 0 to destroy") {
		t.Errorf("the import plan changes more than the import:\n%s", res.Stdout)
	}

	// Any change to the imported connection needs the password, since the whole document is sent.
	gen := strings.Replace(string(generated), `"Made in the UI"`, `"Renamed"`, 1)
	writeFile(t, cli.Dir, "generated.tf", gen)
	r := cli.Run(t.Context(), "plan", "-no-color")
	if r.Err == nil || !strings.Contains(strings.Join(strings.Fields(r.Output()), " "),
		"Missing Password with integratorio_postgres_connection.imported") {
		t.Fatalf("a change without the password was not refused at plan:\n%s", r.Output())
	}
}
