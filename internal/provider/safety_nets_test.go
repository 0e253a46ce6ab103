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
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// Destroying a connection that others borrow concurrency from warns, naming the borrowers; a
// borrower whose lender is gone is reported at refresh.
func TestEmulatorCLI_lendersAndBorrowers(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	conn := func(name, extra string) string {
		return fmt.Sprintf(`
resource "integratorio_postgres_connection" %[1]q {
  name     = %[1]q
  host     = "db.example.com"
  database = "orders"
  username = "svc"
  password = "svc-password"
  use_ssl  = true
  connectivity_check = { direct = false, via_api = false }
%[2]s}
`, name, extra)
	}
	if out, err := cliOutput(t, cli, conn("lender", ""), "apply", "-auto-approve", "-no-color"); err != nil {
		t.Fatalf("apply failed:\n%s", out)
	}
	lenderID := env.Emulator.Connections()[0]["_id"].(string)
	api := apiClient(t, env)
	borrower, err := api.Connections.Create(t.Context(), &client.Connection{
		Type: client.ConnectionTypeRDBMS, Name: "made-in-the-ui", BorrowConcurrencyFromConnectionID: lenderID,
		RDBMS: &client.RDBMS{Type: client.RDBMSTypePostgreSQL, Host: "db.example.com", Database: "orders", User: "svc", Password: "p"},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := cliOutput(t, cli, conn("lender", ""), "plan", "-destroy", "-no-color")
	if err != nil {
		t.Fatalf("the destroy plan failed:\n%s", out)
	}
	wantIn(t, out, "Warning: Destroying a Connection Others Borrow From",
		fmt.Sprintf(`Connection "lender" (%s) lends its concurrency to "made-in-the-ui" (%s), which borrow_concurrency_from names.`, lenderID, borrower.ID),
		"point their borrow_concurrency_from at another connection, or give them a concurrency_level of their own, first.")

	// A borrower under Terraform whose lender is deleted outside it.
	config := conn("lender", "") + conn("borrower", "  borrow_concurrency_from = integratorio_postgres_connection.lender.id\n")
	if out, err := cliOutput(t, cli, config, "apply", "-auto-approve", "-no-color"); err != nil {
		t.Fatalf("apply failed:\n%s", out)
	}
	out, _ = cliOutput(t, cli, config, "plan", "-no-color")
	wantNotIn(t, out, "Lender Connection Gone")
	if err := api.Connections.Delete(t.Context(), lenderID); err != nil {
		t.Fatal(err)
	}
	out, _ = cliOutput(t, cli, config, "plan", "-no-color")
	wantIn(t, out, "Warning: Lender Connection Gone",
		`Connection "borrower" (`, fmt.Sprintf(`borrows its concurrency from connection %s, which no longer exists in integrator.io.`, lenderID))
}

// certificate returns a PEM certificate and its PKCS#8 key: a CA or a leaf, valid or expired.
func certificate(t *testing.T, cn string, isCA, expired bool) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	notBefore, notAfter := time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0)
	if expired {
		notBefore, notAfter = time.Now().AddDate(-2, 0, 0), time.Now().AddDate(-1, 0, 0)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: isCA, BasicConstraintsValid: true,
		DNSNames: []string{cn},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

// A leaf certificate given as ssl_ca is flagged at plan; an expired client certificate is an
// error (the server refuses it), while an expired CA stays a warning (TestCLI_validateWarnings).
func TestCLI_certificateSafetyNets(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	leaf, _ := certificate(t, "db.example.com", false, false)
	out, err := cliOutput(t, cli, fmt.Sprintf(`
resource "integratorio_postgres_connection" "test" {
  name     = "Leaf as CA"
  host     = "db.example.com"
  database = "orders"
  username = "svc"
  password = "svc-password"
  use_ssl  = true
  ssl_ca   = %q
}
`, leaf), "validate", "-no-color")
	if err != nil {
		t.Fatalf("validate failed:\n%s", out)
	}
	wantIn(t, out, "Warning: CA Certificate Is Not a Certificate Authority",
		`Certificate "CN=db.example.com" in ssl_ca is not a certificate authority (its basic constraints say CA:FALSE): it is most likely the server's own certificate.`)

	ca, _ := certificate(t, "db-ca", true, false)
	cert, key := certificate(t, "svc", false, true)
	out, err = cliOutput(t, cli, fmt.Sprintf(`
resource "integratorio_postgres_connection" "test" {
  name            = "Expired client certificate"
  host            = "db.example.com"
  database        = "orders"
  username        = "svc"
  use_ssl         = true
  ssl_ca          = %q
  ssl_certificate = %q
  ssl_key         = %q
}
`, ca, cert, key), "validate", "-no-color")
	if err == nil {
		t.Fatalf("an expired client certificate validated:\n%s", out)
	}
	wantIn(t, out, "Error: Client Certificate Expired", `certificate "CN=svc" expired on`,
		"PostgreSQL refuses an expired client certificate, so this login cannot work")
}
