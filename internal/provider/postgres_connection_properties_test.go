package provider_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// properties keys that another attribute owns are refused at plan, naming that attribute; any
// other key is a driver option and is never refused (TestCLI_propertiesAreDriverOptions).
func TestEmulatorPostgresConnection_propertiesKeys(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	conn := func(properties string) string {
		return connConfig(env, fmt.Sprintf(`
  name       = "Properties"
  host       = %q
  port       = %d
  database   = %q
  username   = %q
  password   = %q
  properties = %s
`, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password, properties))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:   conn(`{ password = "x" }`),
				PlanOnly: true,
				ExpectError: acctest.ErrorText("Property Set by Another Attribute", `The properties key "password" is a connection setting, `+
					"not a driver option: the password (or password_wo) attribute sets it.",
					`Remove "password" from properties and use`),
			},
			{
				Config:      conn(`{ sslmode = "require", statement_timeout = "1000" }`),
				PlanOnly:    true,
				ExpectError: acctest.ErrorText("Property Set by Another Attribute", `The properties key "sslmode"`, "the use_ssl (with ssl_verify_server_certificate) attribute sets it"),
			},
			{
				Config:      conn(`{ dbname = "orders" }`),
				PlanOnly:    true,
				ExpectError: acctest.ErrorText(`The properties key "dbname"`, "the database attribute sets it"),
			},
			{
				Config: conn(`{ statement_timeout = "soon" }`),
				ExpectError: acctest.ErrorText("Direct Connectivity Check Failed",
					`PostgreSQL refused the value of properties key "statement_timeout"`,
					`Correct the value of "statement_timeout" in properties, or remove the key.`),
			},
			{
				Config: conn(`{ statement_timeout = "1000", search_path = "public" }`),
			},
		},
	})
}

// Celigo's own example of a driver option, connectTimeout, applies with the default checks
// against a real PostgreSQL; a name the direct check cannot try is a warning naming it, and every
// key reaches integrator.io as given.
func TestCLI_propertiesAreDriverOptions(t *testing.T) {
	t.Parallel()
	pg := acctest.Postgres(t)
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	writeFile(t, cli.Dir, "main.tf", requiredProviders+fmt.Sprintf(`
resource "integratorio_postgres_connection" "test" {
  name       = "Driver options"
  host       = %q
  port       = %d
  database   = %q
  username   = %q
  password   = %q
  properties = { connectTimeout = "30", application_name = "orders-sync", charset = "utf8" }
}
`, pg.Host, pg.Port, pg.Database, pg.PasswordUser, pg.Password))
	res := cli.Run(t.Context(), "apply", "-auto-approve", "-no-color")
	out := strings.Join(strings.Fields(res.Output()), " ")
	if res.Err != nil {
		t.Fatalf("apply failed:\n%s", res.Output())
	}
	for _, want := range []string{
		"Warning: Properties Not Tried by the Direct Check",
		`"charset": PostgreSQL has no run-time parameter of that name`,
		"They are saved in integrator.io as given.",
		"Apply complete! Resources: 1 added",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, res.Output())
		}
	}
	for _, tried := range []string{`"connectTimeout":`, `"application_name":`} {
		if strings.Contains(out, tried) {
			t.Errorf("the warning names %s, which the check applied:\n%s", tried, res.Output())
		}
	}
	list, err := apiClient(t, env).Connections.List(t.Context())
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %d connections, %v", len(list), err)
	}
	got := map[string]string{}
	for _, o := range list[0].RDBMS.Options {
		got[o.Name] = o.Value
	}
	if len(got) != 3 || got["connectTimeout"] != "30" || got["application_name"] != "orders-sync" || got["charset"] != "utf8" {
		t.Errorf("rdbms.options saved = %v", got)
	}
	if r := cli.Run(t.Context(), "plan", "-detailed-exitcode", "-no-color"); r.Err != nil {
		t.Errorf("the plan after apply is not empty:\n%s", r.Output())
	}
}
