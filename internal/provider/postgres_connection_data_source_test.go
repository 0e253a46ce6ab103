package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// A connection another configuration owns is read by id and by name, non-secret settings only.
func TestAccPostgresConnectionDataSource_byIDAndName(t *testing.T) {
	t.Parallel()
	tg := acctest.Live(t)
	pg := acctest.LivePG(t)
	name := acctest.RandomName("ds-connection")
	config := accConfig(tg, livePGBody(pg, name, "  concurrency_level = 3\n  properties = { application_name = \"tf-acc\" }\n")) + `
data "integratorio_postgres_connection" "by_id" {
  id = integratorio_postgres_connection.test.id
}
data "integratorio_postgres_connection" "by_name" {
  name       = integratorio_postgres_connection.test.name
  depends_on = [integratorio_postgres_connection.test]
}
`
	checks := []statecheck.StateCheck{}
	for _, ds := range []string{"data.integratorio_postgres_connection.by_id", "data.integratorio_postgres_connection.by_name"} {
		checks = append(checks,
			statecheck.CompareValuePairs(ds, tfjsonpath.New("id"), connAddr, tfjsonpath.New("id"), compareEqual{}),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("name"), knownvalue.StringExact(name)),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("mode"), knownvalue.StringExact("cloud")),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("agent_id"), knownvalue.Null()),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("host"), knownvalue.StringExact(pg.Host)),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("port"), knownvalue.Int64Exact(int64(pg.Port))),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("database"), knownvalue.StringExact(pg.Database)),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("username"), knownvalue.StringExact(pg.User)),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("use_ssl"), knownvalue.Bool(pg.CA != "")),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("concurrency_level"), knownvalue.Int64Exact(3)),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("properties"),
				knownvalue.MapExact(map[string]knownvalue.Check{"application_name": knownvalue.StringExact("tf-acc")})),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("offline"), knownvalue.Bool(false)),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("created_at"), knownvalue.NotNull()),
		)
	}
	resource.Test(t, accCase(t, tg, resource.TestStep{Config: config, ConfigStateChecks: checks}))
}

// compareEqual is a compare.ValueComparer for two equal values.
type compareEqual struct{}

func (compareEqual) CompareValues(values ...any) error {
	for _, v := range values[1:] {
		if fmt.Sprint(v) != fmt.Sprint(values[0]) {
			return fmt.Errorf("values differ: %v", values)
		}
	}
	return nil
}

// What the data source says when the id or name is wrong, names several connections, or names
// a connection of another type; connections of other types are not considered by name.
func TestEmulatorPostgresConnectionDataSource_errors(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	c, err := client.New(client.WithToken(env.Token), client.WithBaseURL(env.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pg := func(name string) string {
		doc, err := c.Connections.Create(ctx, &client.Connection{Type: "rdbms", Name: name, RDBMS: &client.RDBMS{
			Type: "postgresql", Host: "db.example", Database: "d", User: "u", Password: "p"}})
		if err != nil {
			t.Fatal(err)
		}
		return doc.ID
	}
	orders := pg("orders")
	twinA, twinB := pg("twin"), pg("twin")
	httpConn, err := c.Connections.Create(ctx, &client.Connection{Type: "http", Name: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	ds := func(body string) string {
		return env.ProviderConfig() + "data \"integratorio_postgres_connection\" \"x\" {\n" + body + "\n}\n"
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: ds(`name = "ordres"`),
				ExpectError: acctest.ErrorText("Connection Not Found", `No PostgreSQL connection is named "ordres".`,
					`PostgreSQL connections in this account: "orders" (`+orders+`), "twin" (`),
			},
			{
				Config:      ds(`name = "shop"`),
				ExpectError: acctest.ErrorText("Connection Not Found", `No PostgreSQL connection is named "shop".`),
			},
			{
				Config:      ds(`name = "twin"`),
				ExpectError: acctest.ErrorText("Several Connections Have This Name", `2 PostgreSQL connections are named "twin" (ids `+twinA+`, `+twinB+`)`),
			},
			{
				Config:      ds(`id = "aaaaaaaaaaaaaaaaaaaaaaaa"`),
				ExpectError: acctest.ErrorText("Connection Not Found", "No connection with id aaaaaaaaaaaaaaaaaaaaaaaa exists"),
			},
			{
				Config:      ds(fmt.Sprintf(`id = %q`, httpConn.ID)),
				ExpectError: acctest.ErrorText("Not a PostgreSQL Connection", fmt.Sprintf(`Connection %s ("shop") is of type "http", not "rdbms"`, httpConn.ID)),
			},
			{
				Config:      ds(`id = "x"` + "\n" + `name = "orders"`),
				ExpectError: acctest.ErrorText("Invalid Attribute Combination", "Exactly one of these attributes must be configured: [id,name]"),
			},
			{
				Config: ds(`name = "orders"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.integratorio_postgres_connection.x", tfjsonpath.New("id"), knownvalue.StringExact(orders)),
					statecheck.ExpectKnownValue("data.integratorio_postgres_connection.x", tfjsonpath.New("port"), knownvalue.Int64Exact(5432)),
					statecheck.ExpectKnownValue("data.integratorio_postgres_connection.x", tfjsonpath.New("ssl_verify_server_certificate"), knownvalue.Null()),
				},
			},
		},
	})
}
