package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// properties keys that another attribute owns are refused at plan, naming that attribute; a key
// PostgreSQL does not know fails the direct check at apply, quoting the key.
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
					"not a PostgreSQL run-time parameter: the password (or password_wo) attribute sets it.",
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
				Config: conn(`{ statement_timout = "1000" }`),
				ExpectError: acctest.ErrorText("Direct Connectivity Check Failed",
					`PostgreSQL does not know the run-time parameter "statement_timout" given in properties`,
					`correct or remove the key "statement_timout"`),
			},
			{
				Config: conn(`{ statement_timeout = "1000", search_path = "public" }`),
			},
		},
	})
}
