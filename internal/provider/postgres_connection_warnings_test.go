package provider_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync/atomic"
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

// A connection integrator.io marked offline after the apply (a failed test or flow) is warned
// about in every plain plan, though the plan changes nothing; once a test passes, the warning goes.
func TestEmulatorCLI_offlineWarnsInEveryPlan(t *testing.T) {
	t.Parallel()
	var failing atomic.Bool
	env := acctest.NewEnv(t, emulator.Config{
		Pinger: func(context.Context, emulator.PingTarget) error {
			if failing.Load() {
				return errors.New(`password authentication failed for user "svc"`)
			}
			return nil
		},
	})
	cli := newCLI(t, env)
	config := `
resource "integratorio_postgres_connection" "test" {
  name     = "Goes offline"
  host     = "db.example.com"
  database = "orders"
  username = "svc"
  password = "svc-password"
  use_ssl  = true
  connectivity_check = { direct = false }
}
`
	if out, err := cliOutput(t, cli, config, "apply", "-auto-approve", "-no-color"); err != nil {
		t.Fatalf("apply failed:\n%s", out)
	}
	id := env.Emulator.Connections()[0]["_id"].(string)

	failing.Store(true)
	if err := apiClient(t, env).Connections.Ping(t.Context(), id); err == nil {
		t.Fatal("the failing test passed")
	}
	for range 2 { // every plan, not only the first after the change
		out, err := cliOutput(t, cli, config, "plan", "-no-color")
		if err != nil {
			t.Fatalf("plan failed:\n%s", out)
		}
		wantIn(t, out, "No changes.", "Warning: Connection Offline",
			`integrator.io marks connection "Goes offline" (`+id+`) offline: a test or a flow failed to connect with it, so flows that use it are paused until a test passes.`,
			"invoke the integratorio_connection_test action (terraform apply -invoke=action.integratorio_connection_test.NAME, Terraform 1.14 or later)")
		wantNotIn(t, out, "This plan changes the connection")
	}
	out, _ := cliOutput(t, cli, strings.Replace(config, `"Goes offline"`, `"Renamed"`, 1), "plan", "-no-color")
	wantIn(t, out, "Warning: Connection Offline", "This plan changes the connection, and the apply tests it after saving: a passing test brings it back online.")

	failing.Store(false)
	if err := apiClient(t, env).Connections.Ping(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	out, err := cliOutput(t, cli, config, "plan", "-no-color")
	if err != nil {
		t.Fatalf("plan failed:\n%s", out)
	}
	wantIn(t, out, "No changes.")
	wantNotIn(t, out, "Connection Offline")
}

// Agent problems that are knowable at plan show there: an agent_id that names no agent fails the
// plan, and an agent the data source reports offline is warned about before anything is applied.
func TestEmulatorCLI_agentProblemsAtPlan(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	agent := addAgent(t, env, emulator.AgentSpec{Name: "dc1-agent", Online: true})
	if err := env.Emulator.SetAgentOnline(agent, false); err != nil {
		t.Fatal(err)
	}
	cli := newCLI(t, env)
	conn := func(agentID string) string {
		return fmt.Sprintf(`
resource "integratorio_postgres_connection" "test" {
  name     = "Behind the firewall"
  mode     = "on_premise"
  agent_id = %s
  host     = "db.internal"
  database = "orders"
  username = "svc"
  password = "svc-password"
}
`, agentID)
	}

	missing := "5f96e6a30a45077b3a08f3c9"
	out, err := cliOutput(t, cli, conn(fmt.Sprintf("%q", missing)), "plan", "-no-color")
	if err == nil {
		t.Fatalf("a plan with an agent that does not exist passed:\n%s", out)
	}
	wantIn(t, out, "Error: Agent Not Found", fmt.Sprintf(`: agent_id = "%s"`, missing),
		"No on-premise agent with id "+missing+" exists in this integrator.io account, so this connection could never reach its database.")

	out, err = cliOutput(t, cli, `
data "integratorio_agent" "dc1" {
  name = "dc1-agent"
}
`+conn("data.integratorio_agent.dc1.id"), "plan", "-no-color")
	if err != nil {
		t.Fatalf("the plan failed:\n%s", out)
	}
	wantIn(t, out, "Warning: Agent Offline", ": agent_id = data.integratorio_agent.dc1.id",
		fmt.Sprintf(`Agent "dc1-agent" (%s) is offline: its last heartbeat was at`, agent),
		"The apply checks the agent first and will fail, saving nothing, unless the agent is running by then")
	if n := creates(env); n != 0 {
		t.Fatalf("a plan sent %d creates", n)
	}
}

// A write-only secret's problems name the write-only attribute the configuration uses.
func TestCLI_writeOnlyAttributesNamedInMessages(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	out, err := cliOutput(t, cli, fmt.Sprintf(`
resource "integratorio_postgres_connection" "test" {
  name               = "Encrypted key"
  host               = "db.example.com"
  database           = "orders"
  username           = "svc"
  use_ssl            = true
  ssl_ca             = %q
  ssl_certificate    = %q
  ssl_key_wo         = %q
  ssl_key_wo_version = 1
}
`, pg.CA, pg.ClientCert, pg.ClientKeyEncrypted), "validate", "-no-color")
	if err == nil {
		t.Fatalf("an encrypted key without its passphrase validated:\n%s", out)
	}
	wantIn(t, out, "Error: Private Key Passphrase Required", "The private key is encrypted, so its passphrase is needed: set ssl_passphrase_wo.")
}
