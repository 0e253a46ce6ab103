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
	"strings"
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// cliOutput runs the real CLI on a configuration (provider from the environment) and returns what
// it printed, with runs of white space made single spaces so that wrapped lines match.
func cliOutput(t *testing.T, cli clirunner.CLI, config string, args ...string) (string, error) {
	t.Helper()
	writeFile(t, cli.Dir, "main.tf", requiredProviders+config)
	res := cli.Run(t.Context(), args...)
	return strings.Join(strings.Fields(res.Output()), " "), res.Err
}

func wantIn(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
}

func wantNotIn(t *testing.T, out string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(out, u) {
			t.Errorf("the output holds %q:\n%s", u, out)
		}
	}
}

// A cloud connection without TLS sends its password in clear over the internet: warned at plan,
// on use_ssl, unless the host is a private or loopback address.
func TestEmulatorCLI_plaintextPasswordWarning(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	conn := func(name, host, extra string) string {
		return fmt.Sprintf(`
resource "integratorio_postgres_connection" %[1]q {
  name     = %[1]q
  host     = %[2]q
  database = "orders"
  username = "svc"
  password = "a-password"
%[3]s
}
`, name, host, extra)
	}
	out, err := cliOutput(t, cli, conn("public", "db.example.com", ""), "validate", "-no-color")
	if err != nil {
		t.Fatal(err)
	}
	wantIn(t, out, "Warning: Password Sent Unencrypted", "with integratorio_postgres_connection.public, on main.tf",
		"In cloud mode integrator.io logs in to db.example.com over the internet, and without use_ssl = true the password "+
			"and every query travel unencrypted", "Set use_ssl = true")

	out, err = cliOutput(t, cli, conn("loopback", "127.0.0.1", "")+conn("private", "10.1.2.3", "")+conn("localhost", "localhost", "")+
		conn("tls", "db.example.com", "use_ssl = true")+
		conn("agent", "db.example.com", `mode = "on_premise"
agent_id = "5f96e6a30a45077b3a08f3c9"`), "validate", "-no-color")
	if err != nil {
		t.Fatal(err)
	}
	wantNotIn(t, out, "Password Sent Unencrypted")
}

// A mode written with a hyphen gets one error, not a second one about agent_id.
func TestEmulatorCLI_modeTypoReportedOnce(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	out, err := cliOutput(t, cli, `
resource "integratorio_postgres_connection" "test" {
  name     = "Mode typo"
  host     = "db.example.com"
  database = "orders"
  username = "svc"
  password = "a-password"
  use_ssl  = true
  mode     = "on-premise"
  agent_id = "5f96e6a30a45077b3a08f3c9"
}
`, "validate", "-no-color")
	if err == nil {
		t.Fatalf("validate accepted mode = \"on-premise\":\n%s", out)
	}
	wantIn(t, out, "Error: Invalid Connection Mode",
		`The mode "on-premise" is not one this provider knows: use "cloud" or "on_premise". Did you mean "on_premise"?`)
	wantNotIn(t, out, "value must be one of", "`")
	wantNotIn(t, out, "Agent Set in Cloud Mode", "Password Sent Unencrypted")
}

// region beside base_url is ignored, and the user is told so.
func TestEmulatorCLI_regionIgnoredWithBaseURL(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	if _, err := env.Emulator.AddAgent(emulator.AgentSpec{Name: "any", Online: true}); err != nil {
		t.Fatal(err)
	}
	cli := newCLI(t, env) // base_url from INTEGRATORIO_BASE_URL
	out, err := cliOutput(t, cli, `
provider "integratorio" {
  region = "EU"
}
`+agentLookup, "plan", "-no-color")
	if err != nil {
		t.Fatalf("plan failed:\n%s", out)
	}
	wantIn(t, out, "Warning: Region Ignored", `Both region ("eu", from the provider block's region) and base_url (from the `+
		`INTEGRATORIO_BASE_URL environment variable) are set; base_url decides which API is used, so region is ignored.`)
}

// A write-only password without its version cannot be rotated later: warned.
func TestEmulatorCLI_writeOnlyWithoutVersionWarning(t *testing.T) {
	t.Parallel()
	// Like TestSecrets_neverLeak, this needs a CLI with write-only attributes (Terraform 1.11+, OpenTofu 1.11+).
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	out, err := cliOutput(t, cli, `
resource "integratorio_postgres_connection" "test" {
  name        = "Write-only"
  host        = "127.0.0.1"
  database    = "orders"
  username    = "svc"
  password_wo = "a-password"
}
`, "validate", "-no-color")
	if err != nil {
		t.Fatal(err)
	}
	wantIn(t, out, "Warning: Write-Only Value Without a Version", "password_wo is write-only: Terraform never stores it",
		"Set password_wo_version = 1 now, and raise it whenever password_wo changes to send the new value.")
}

// caExpiringIn returns a self-signed CA certificate that expires after d.
func caExpiringIn(t *testing.T, d time.Duration) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "soon-db-ca"},
		NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().Add(d),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// A certificate that expires within 30 days is warned about at plan; one with longer is not.
func TestEmulatorCLI_certificateExpiringSoonWarning(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	conn := func(ca string) string {
		return fmt.Sprintf(`
resource "integratorio_postgres_connection" "test" {
  name     = "Expiring CA"
  host     = "db.example.com"
  database = "orders"
  username = "svc"
  password = "a-password"
  use_ssl  = true
  ssl_ca   = %q
}
`, ca)
	}
	out, err := cliOutput(t, cli, conn(caExpiringIn(t, 10*24*time.Hour+time.Hour)), "validate", "-no-color")
	if err != nil {
		t.Fatal(err)
	}
	wantIn(t, out, "Warning: CA Certificate Expires Soon", `Certificate "CN=soon-db-ca" expires on`, "in 10 days. Renew it and update this setting before then")
	out, err = cliOutput(t, cli, conn(caExpiringIn(t, 31*24*time.Hour)), "validate", "-no-color")
	if err != nil {
		t.Fatal(err)
	}
	wantNotIn(t, out, "Expires Soon")
}
