package acctest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// The variables that name the account an acceptance test (TestAcc…) runs against. `make testacc`
// points them at an emulator it starts; `make testacc-live` takes them from the caller.
const (
	EnvToken   = "INTEGRATORIO_API_TOKEN"
	EnvBaseURL = "INTEGRATORIO_BASE_URL"
	EnvRegion  = "INTEGRATORIO_REGION"

	// The PostgreSQL database the live tests' connections log in to. integrator.io must reach it
	// (from the internet, or through INTEGRATORIO_ACC_AGENT), and so must this machine.
	EnvPGHost     = "INTEGRATORIO_ACC_PG_HOST"
	EnvPGPort     = "INTEGRATORIO_ACC_PG_PORT"
	EnvPGDatabase = "INTEGRATORIO_ACC_PG_DATABASE"
	EnvPGUser     = "INTEGRATORIO_ACC_PG_USER"
	EnvPGPassword = "INTEGRATORIO_ACC_PG_PASSWORD"
	EnvPGCA       = "INTEGRATORIO_ACC_PG_CA" // optional: PEM text or a file; with it, connections use TLS

	// Optional: a user that logs in with a client certificate (PEM text or files).
	EnvPGCertUser        = "INTEGRATORIO_ACC_PG_CERT_USER"
	EnvPGClientCert      = "INTEGRATORIO_ACC_PG_CLIENT_CERT"
	EnvPGClientKey       = "INTEGRATORIO_ACC_PG_CLIENT_KEY"
	EnvPGKeyPassphrase   = "INTEGRATORIO_ACC_PG_CLIENT_KEY_PASSPHRASE"
	EnvAgent             = "INTEGRATORIO_ACC_AGENT" // optional: name of an online on-premise agent
	envTFAcc             = "TF_ACC"
	liveTargetsExplained = "run `make testacc` (an emulator) or `make testacc-live` (a real account; see CONTRIBUTING.md)"
)

// NamePrefix starts the name of every object an acceptance test creates; `make sweep` deletes
// connections with this prefix, and only those.
const NamePrefix = "tf-acc-"

// RandomName returns NamePrefix, what (a hint for people reading the account) and a random suffix.
func RandomName(what string) string {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	if what != "" {
		what += "-"
	}
	return NamePrefix + what + hex.EncodeToString(b)
}

// Target is the integrator.io account of an acceptance test, as the variables name it.
type Target struct {
	Token   string
	BaseURL string // empty: the region's public URL
	Region  string // empty: us
}

// PreCheck fails the test when the variables do not name an account. Acceptance tests call it from
// resource.TestCase.PreCheck (TF_ACC is set by then).
func PreCheck(t testing.TB) {
	t.Helper()
	if os.Getenv(EnvToken) == "" {
		t.Fatalf("%s is not set: acceptance tests run against the account it names; %s", EnvToken, liveTargetsExplained)
	}
}

// Live returns the account of an acceptance test. Without TF_ACC it skips the test, as
// resource.Test would, before any setting is read.
func Live(t testing.TB) *Target {
	t.Helper()
	if os.Getenv(envTFAcc) == "" {
		t.Skipf("acceptance test: set TF_ACC=1 to run it; %s", liveTargetsExplained)
	}
	PreCheck(t)
	return &Target{Token: os.Getenv(EnvToken), BaseURL: os.Getenv(EnvBaseURL), Region: os.Getenv(EnvRegion)}
}

// ProviderConfig is an empty provider block: the provider reads the same variables itself.
func (*Target) ProviderConfig() string { return "provider \"integratorio\" {}\n" }

// Client is an API client for the account, for out-of-band changes and destroy checks.
func (tg *Target) Client(t testing.TB) *client.Client {
	t.Helper()
	c, err := tg.newClient()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (tg *Target) newClient() (*client.Client, error) {
	if tg.Token == "" {
		return nil, fmt.Errorf("%s is not set: it names the account; %s", EnvToken, liveTargetsExplained)
	}
	opts := []client.ClientOption{client.WithToken(tg.Token)}
	if tg.BaseURL != "" {
		opts = append(opts, client.WithBaseURL(tg.BaseURL))
	} else if tg.Region != "" {
		opts = append(opts, client.WithRegion(tg.Region))
	}
	c, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("an API client for the account named by %s, %s and %s: %w", EnvToken, EnvBaseURL, EnvRegion, err)
	}
	return c, nil
}

// ClientFromEnv is an API client for the account the variables name, for sweepers (which run
// outside any test).
func ClientFromEnv() (*client.Client, error) {
	tg := Target{Token: os.Getenv(EnvToken), BaseURL: os.Getenv(EnvBaseURL), Region: os.Getenv(EnvRegion)}
	return tg.newClient()
}

// CheckConnectionsDestroyed is a CheckDestroy: every integratorio_postgres_connection of the
// final state must be gone from the account (GET answers 404).
func (tg *Target) CheckConnectionsDestroyed(t testing.TB) func(*terraform.State) error {
	return func(s *terraform.State) error {
		c := tg.Client(t)
		var left []string
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "integratorio_postgres_connection" {
				continue
			}
			_, err := c.Connections.Get(context.Background(), rs.Primary.ID)
			switch {
			case errors.Is(err, client.ErrNotFound):
			case err != nil:
				return fmt.Errorf("checking that connection %s is gone: %w", rs.Primary.ID, err)
			default:
				left = append(left, rs.Primary.ID)
			}
		}
		if len(left) > 0 {
			return fmt.Errorf("destroy left connections %s in the account", strings.Join(left, ", "))
		}
		return nil
	}
}

// PG is the PostgreSQL database live connections log in to.
type PG struct {
	Host     string
	Port     int
	Database string
	User     string
	Password string
	CA       string // PEM; empty when the database is reached without TLS
}

// PGCert is a user that logs in with a client certificate over TLS.
type PGCert struct {
	User, Cert, Key, Passphrase string
}

// LivePG returns the database settings, skipping the test with the first missing variable named.
func LivePG(t testing.TB) PG {
	t.Helper()
	pg := PG{
		Host: required(t, EnvPGHost), Database: required(t, EnvPGDatabase),
		User: required(t, EnvPGUser), Password: required(t, EnvPGPassword),
		CA: pemValue(t, EnvPGCA),
	}
	port, err := strconv.Atoi(required(t, EnvPGPort))
	if err != nil || port < 1 || port > 65535 {
		t.Fatalf("%s=%q is not a port number", EnvPGPort, os.Getenv(EnvPGPort))
	}
	pg.Port = port
	return pg
}

// LivePGCert returns the certificate-login user, skipping the test with the missing variable named.
func LivePGCert(t testing.TB) PGCert {
	t.Helper()
	for _, name := range []string{EnvPGCA, EnvPGCertUser, EnvPGClientCert, EnvPGClientKey} {
		required(t, name)
	}
	return PGCert{
		User: os.Getenv(EnvPGCertUser), Cert: pemValue(t, EnvPGClientCert), Key: pemValue(t, EnvPGClientKey),
		Passphrase: os.Getenv(EnvPGKeyPassphrase),
	}
}

// LiveAgent returns the name of an online on-premise agent, skipping the test when none is named.
func LiveAgent(t testing.TB) string {
	t.Helper()
	return required(t, EnvAgent)
}

func required(t testing.TB, name string) string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		t.Skipf("%s is not set: this acceptance test needs it (see CONTRIBUTING.md)", name)
	}
	return v
}

// pemValue reads a variable holding PEM text or the name of a file holding it.
func pemValue(t testing.TB, name string) string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" || strings.HasPrefix(v, "-----BEGIN") {
		return v
	}
	b, err := os.ReadFile(v)
	if err != nil {
		t.Fatalf("%s names neither PEM text nor a readable file: %v", name, err)
	}
	return string(b)
}

// SweepConnections deletes the connections named NamePrefix… created more than minAge before now,
// and nothing else. It returns the ids it deleted.
func SweepConnections(ctx context.Context, c *client.Client, now time.Time, minAge time.Duration) ([]string, error) {
	conns, err := c.Connections.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing connections: %w", err)
	}
	var deleted []string
	var errs []error
	for _, conn := range conns {
		if !strings.HasPrefix(conn.Name, NamePrefix) || conn.CreatedAt == nil || now.Sub(*conn.CreatedAt) < minAge {
			continue
		}
		if err := c.Connections.Delete(ctx, conn.ID); err != nil && !errors.Is(err, client.ErrNotFound) {
			errs = append(errs, fmt.Errorf("deleting connection %s (%q): %w", conn.ID, conn.Name, err))
			continue
		}
		deleted = append(deleted, conn.ID)
	}
	return deleted, errors.Join(errs...)
}
