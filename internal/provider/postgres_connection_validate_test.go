package provider_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// TestPostgresConnection_planTimeValidation shows the message a user sees for each mistake
// that needs no network. None of these steps reaches the API.
func TestPostgresConnection_planTimeValidation(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	base := `
  name     = "Validation"
  host     = "db.example.com"
  database = "orders"
  username = "svc"
`
	tls := func(extra string) string {
		return base + "  use_ssl = true\n" + extra
	}
	cases := []struct {
		name string
		body string
		want *regexp.Regexp
	}{
		{"no password", base, acctest.ErrorText("Missing Password", "Set password, or password_wo to keep the password out of Terraform state")},
		{"both passwords", base + `password = "a"
password_wo = "b"`, acctest.ErrorText(`Attribute "password" cannot be specified when "password_wo" is specified`)},
		{"version without password_wo", base + `password = "a"
password_wo_version = 1`, acctest.ErrorText(`Attribute "password_wo" must be specified when "password_wo_version" is specified`)},
		{"on-premise without agent", base + `password = "a"
mode = "on_premise"`, acctest.ErrorText("Missing Agent", `mode = "on_premise" needs agent_id`)},
		{"agent in cloud mode", base + `password = "a"
agent_id = "5f96e6a30a45077b3a08f3c9"`, acctest.ErrorText("Agent Set in Cloud Mode", `agent_id is only used with mode = "on_premise"`)},
		{"unknown mode", base + `password = "a"
mode = "onprem"`, acctest.ErrorText("Invalid Connection Mode", `The mode "onprem" is not one this provider knows: use "cloud" or "on_premise". Did you mean "on_premise"?`)},
		{"agent id not hex", base + `password = "a"
mode = "on_premise"
agent_id = "dc1-agent"`, acctest.ErrorText("Invalid Agent ID", `"dc1-agent" is not an integrator.io id`)},
		{"host is a URL", `
  name     = "Validation"
  host     = "postgres://db.example.com:5432/orders"
  database = "orders"
  username = "svc"
  password = "a"`, acctest.ErrorText("Invalid Database Host", "The host is a URL with a scheme, a host name, a port and a path.", "Write only the host name in the host attribute, the port in the port attribute and the database name in the database attribute.")},
		{"host with a port and a path", `
  name     = "Validation"
  host     = "db.example.com:5432/orders"
  database = "orders"
  username = "svc"
  password = "a"`, acctest.ErrorText("Invalid Database Host", "The host is a host name and a port followed by a path (a / and what comes after it).")},
		{"host with port", `
  name     = "Validation"
  host     = "db.example.com:5433"
  database = "orders"
  username = "svc"
  password = "a"`, acctest.ErrorText("Invalid Database Host", "The host is a host name followed by a colon and a port. Write only the host name in the host attribute and the port in the port attribute.")},
		{"port out of range", base + `password = "a"
port = 70000`, acctest.ErrorText("port", "value must be between 1 and 65535, got: 70000")},
		{"name too long", fmt.Sprintf(`
  name     = %q
  host     = "db.example.com"
  database = "orders"
  username = "svc"
  password = "a"`, strings.Repeat("n", 101)), acctest.ErrorText("name", "string length must be between 1 and 100")},
		{"ssl setting without use_ssl", base + `password = "a"
ssl_ca = "x"`, acctest.ErrorText("SSL Setting Without use_ssl", "ssl_ca is only used when use_ssl = true")},
		{"verify flag without use_ssl", base + `password = "a"
ssl_verify_server_certificate = false`, acctest.ErrorText("SSL Setting Without use_ssl", "ssl_verify_server_certificate is only used when use_ssl = true")},
		{"certificate without key", tls(fmt.Sprintf(`password = "a"
ssl_certificate = %q`, pg.ClientCert)), acctest.ErrorText("Missing Client Key", "ssl_certificate is set but ssl_key is not")},
		{"key without certificate", tls(fmt.Sprintf(`password = "a"
ssl_key = %q`, pg.ClientKey)), acctest.ErrorText("Missing Client Certificate", "ssl_key is set but ssl_certificate is not")},
		{"passphrase without key", tls(`password = "a"
ssl_passphrase = "p"`), acctest.ErrorText("Passphrase Without Key", "ssl_passphrase decrypts ssl_key, which is not set")},
		{"CA is not PEM", tls(`password = "a"
ssl_ca = "not a certificate"`), acctest.ErrorText("Invalid CA Certificate", "The CA certificate cannot be used", "BEGIN CERTIFICATE")},
		{"key pasted as CA", tls(fmt.Sprintf(`password = "a"
ssl_ca = %q`, pg.ClientKey)), acctest.ErrorText("Invalid CA Certificate", "PEM block 1 is", "not a certificate")},
		{"certificate pasted as key", tls(fmt.Sprintf(`ssl_certificate = %q
ssl_key = %q`, pg.ClientCert, pg.ClientCert)), acctest.ErrorText("Invalid Private Key", "not a private key")},
		{"key of another certificate", tls(fmt.Sprintf(`ssl_certificate = %q
ssl_key = %q`, pg.ClientCert, pg.WrongClientKey)), acctest.ErrorText("Private Key Does Not Match Certificate", "The private key does not belong to certificate")},
		{"encrypted key without passphrase", tls(fmt.Sprintf(`ssl_certificate = %q
ssl_key = %q`, pg.ClientCert, pg.ClientKeyEncrypted)), acctest.ErrorText("Private Key Passphrase Required", "set ssl_passphrase")},
		{"wrong passphrase", tls(fmt.Sprintf(`ssl_certificate = %q
ssl_key = %q
ssl_passphrase = "not-the-passphrase"`, pg.ClientCert, pg.ClientKeyEncrypted)), acctest.ErrorText("Wrong Private Key Passphrase", "The passphrase does not decrypt the private key")},
		{"write-only key without use_ssl", base + fmt.Sprintf(`ssl_certificate = %q
ssl_key_wo = %q`, pg.ClientCert, pg.ClientKey), acctest.ErrorText("SSL Setting Without use_ssl", "ssl_key_wo is only used when use_ssl = true")},
		{"both key attributes", tls(fmt.Sprintf(`ssl_certificate = %q
ssl_key = %q
ssl_key_wo = %q`, pg.ClientCert, pg.ClientKey, pg.ClientKey)), acctest.ErrorText(`Attribute "ssl_key" cannot be specified when "ssl_key_wo" is specified`)},
		{"write-only passphrase without key", tls(`password = "a"
ssl_passphrase_wo = "p"`), acctest.ErrorText("Passphrase Without Key", "ssl_passphrase_wo decrypts ssl_key, which is not set")},
		{"wrong write-only passphrase", tls(fmt.Sprintf(`ssl_certificate = %q
ssl_key_wo = %q
ssl_passphrase_wo = "not-the-passphrase"`, pg.ClientCert, pg.ClientKeyEncrypted)), acctest.ErrorText("Wrong Private Key Passphrase", "with integratorio_postgres_connection.test", "ssl_passphrase_wo")},
		{"level and borrowing", base + `password = "a"
concurrency_level = 3
borrow_concurrency_from = "5f96e6a30a45077b3a08f3c9"`, acctest.ErrorText(`Attribute "borrow_concurrency_from" cannot be specified when "concurrency_level" is specified`)},
		{"level out of range", base + `password = "a"
concurrency_level = 51`, acctest.ErrorText("concurrency_level", "value must be between 1 and 50, got: 51")},
		{"lender id not hex", base + `password = "a"
borrow_concurrency_from = "Orders DB"`, acctest.ErrorText("Invalid Connection ID", `"Orders DB" is not an integrator.io id`)},
		{"check timeout not a duration", base + `password = "a"
connectivity_check = { timeout = "30" }`, acctest.ErrorText("Invalid Duration", `connectivity_check.timeout = "30" is not a duration. Write a number with a unit, such as "30s"`, "from 1s to 10m.")},
		{"Ed448 key", tls(fmt.Sprintf(`ssl_certificate = %q
ssl_key = %q`, pg.ClientCert, readFile(t, "../tlsmaterial/testdata/ed448-pkcs8.pem"))), acctest.ErrorText("Invalid Private Key", "ssl_key = ",
			"The private key cannot be used: unsupported private key: Ed448 keys are not supported for TLS client authentication here; use an RSA, ECDSA (P-256, P-384 or P-521) or Ed25519 key")},
		{"CA over 256 KiB", tls(fmt.Sprintf(`password = "a"
ssl_ca = join("", [for i in range(1000) : %q])`, pg.CA)), acctest.ErrorText("Invalid CA Certificate", `ssl_ca = join("", [for i in range(1000) :`,
			"The CA certificate cannot be used: the value is too large:", "KiB, more than the 256 KiB a PEM setting may hold")},
		// Control characters: shown on the attribute at fault, never quoting the value.
		{"NUL in database", `
  name     = "Validation"
  host     = "db.example.com"
  database = "orders\u0000"
  username = "svc"
  password = "a"`, acctest.ErrorText("Control Character in Database", `database = "orders\u0000"`,
			"The database contains NUL (U+0000) at character 7. Remove it: a value read with file() or a heredoc often ends in a line break, which trimspace() or chomp() removes.")},
		{"line break in name", `
  name     = "Validation\n"
  host     = "db.example.com"
  database = "orders"
  username = "svc"
  password = "a"`, acctest.ErrorText("Control Character in Name", `name     = "Validation\n"`, "The name contains a line break (LF) (U+000A) at character 11.")},
		{"tab in username", `
  name     = "Validation"
  host     = "db.example.com"
  database = "orders"
  username = "s\tvc"
  password = "a"`, acctest.ErrorText("Control Character in Username", `username = "s\tvc"`, "The username contains a tab (U+0009) at character 2.")},
		{"control character in a properties key", base + `password = "a"
properties = { "app\u0001name" = "x" }`, acctest.ErrorText("Control Character in Properties Key", "The properties key contains a control character (U+0001) at character 4.")},
		{"NUL in a properties value", base + `password = "a"
properties = { application_name = "orders\u0000sync" }`, acctest.ErrorText("Control Character in Properties Value",
			`properties = { application_name = "orders\u0000sync" }`, `The value of properties["application_name"] contains NUL (U+0000) at character 7.`)},
		{"check timeout too long", base + `password = "a"
connectivity_check = { timeout = "1h" }`, acctest.ErrorText("Duration Out of Range", `connectivity_check.timeout = "1h" is outside the allowed range: use a duration from 1s to 10m.`)},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: connConfig(env, c.body), ExpectError: c.want, PlanOnly: true})
	}
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: acctest.ProviderFactories, Steps: steps})
	if n := len(env.Emulator.Connections()); n != 0 {
		t.Fatalf("validation failures created %d connections", n)
	}
}

// Values known only after apply are not judged at plan time.
func TestPostgresConnection_unknownValuesSkipValidation(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
resource "terraform_data" "later" {
  input = "value"
}
resource "integratorio_postgres_connection" "test" {
  name     = "Unknowns"
  host     = "db.example.com"
  database = "orders"
  username = "svc"
  password = terraform_data.later.output
  use_ssl  = true
  ssl_ca   = terraform_data.later.output
  mode     = "on_premise"
  agent_id = terraform_data.later.output
}
`,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
