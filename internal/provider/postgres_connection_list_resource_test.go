package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// `terraform query` finds the connections this test made, by a name pattern, with the
// attributes an import would read. Terraform 1.16 (acctest.UseTerraform116).
func TestAccPostgresConnectionList_findsConnectionsByName(t *testing.T) {
	acctest.UseTerraform116(t)
	tg := acctest.Live(t)
	pg := acctest.LivePG(t)
	prefix := acctest.RandomName("query")
	config := accConfig(tg, livePGBody(pg, prefix+"-a", "")) +
		"resource \"integratorio_postgres_connection\" \"b\" {\n" + livePGBody(pg, prefix+"-b", "") + "\n}\n"
	c := accCase(t, tg,
		resource.TestStep{Config: config},
		resource.TestStep{
			Query: true,
			// The query file joins the previous step's configuration, which configures the provider.
			Config: fmt.Sprintf(`
list "integratorio_postgres_connection" "mine" {
  provider         = integratorio
  include_resource = true
  config {
    name = "%[1]s-*"
    host = %[2]q
  }
}
list "integratorio_postgres_connection" "none" {
  provider = integratorio
  config {
    name = "%[1]s-*"
    mode = "on_premise"
  }
}
`, prefix, strings.ToUpper(pg.Host)),
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("integratorio_postgres_connection.mine", 2),
				querycheck.ExpectLength("integratorio_postgres_connection.none", 0),
				querycheck.ExpectResourceDisplayName("integratorio_postgres_connection.mine",
					queryfilter.ByDisplayName(knownvalue.StringExact(prefix+"-a")), knownvalue.StringExact(prefix+"-a")),
				querycheck.ExpectResourceKnownValues("integratorio_postgres_connection.mine",
					queryfilter.ByDisplayName(knownvalue.StringExact(prefix+"-b")), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringRegexp(idPattern)},
						{Path: tfjsonpath.New("database"), KnownValue: knownvalue.StringExact(pg.Database)},
						{Path: tfjsonpath.New("username"), KnownValue: knownvalue.StringExact(pg.User)},
						{Path: tfjsonpath.New("port"), KnownValue: knownvalue.Int64Exact(int64(pg.Port))},
						{Path: tfjsonpath.New("mode"), KnownValue: knownvalue.StringExact("cloud")},
						{Path: tfjsonpath.New("password"), KnownValue: knownvalue.Null()},
					}),
			},
		},
	)
	c.TerraformVersionChecks = skipBelow1_14
	resource.Test(t, c)
}

// seedMixedAccount fills an emulator with PostgreSQL connections (cloud and on-premise, on two
// hosts), connections of other types (HTTP, FTP, MySQL) and filler more HTTP connections (1000
// puts the PostgreSQL ones on two pages: the client asks for pages of 1000), and returns the
// PostgreSQL ones' ids by name.
func seedMixedAccount(t *testing.T, env *acctest.Env, filler int) (ids map[string]string, agent string) {
	t.Helper()
	agent = addAgent(t, env, emulator.AgentSpec{Name: "dc1-agent", Online: true})
	c, err := client.New(client.WithToken(env.Token), client.WithBaseURL(env.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ids = map[string]string{}
	create := func(conn *client.Connection) {
		t.Helper()
		created, err := c.Connections.Create(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		if conn.Type == client.ConnectionTypeRDBMS && conn.RDBMS.Type == client.RDBMSTypePostgreSQL {
			ids[conn.Name] = created.ID
		}
	}
	pg := func(name, host, agentID string, port int) *client.Connection {
		return &client.Connection{Type: "rdbms", Name: name, AgentID: agentID, RDBMS: &client.RDBMS{
			Type: "postgresql", Host: host, Port: client.Port(port), Database: "orders", User: "svc", Password: "pw",
			ConcurrencyLevel: 3, Options: []client.Option{{Name: "statement_timeout", Value: "30000"}}}}
	}
	create(pg("orders-eu", "db.eu.example.com", "", 5432))
	create(&client.Connection{Type: "http", Name: "orders-api"})
	create(pg("orders-us", "db.us.example.com", "", 6432))
	create(&client.Connection{Type: "ftp", Name: "orders-drop"})
	create(&client.Connection{Type: "rdbms", Name: "orders-mysql", RDBMS: &client.RDBMS{
		Type: "mysql", Host: "db.eu.example.com", Database: "orders", User: "svc", Password: "pw"}})
	create(pg("orders-dc1", "10.0.0.5", agent, 5432))
	tls := pg("billing", "db.eu.example.com", "", 5432)
	tls.RDBMS.SSL = &client.SSL{CA: testCA}
	create(tls)
	for i := range filler {
		create(&client.Connection{Type: "http", Name: fmt.Sprintf("filler-%04d", i)})
	}
	create(pg("zz-last-page", "db.eu.example.com", "", 5432))
	return ids, agent
}

// testCA is a CA certificate for documents that need SSL material; its content is never checked.
const testCA = "-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n"

// Filters by name pattern, host, mode and agent over an account that holds 1000 connections of
// other types, listed across two pages, with one listing per list block.
func TestEmulatorPostgresConnectionList_filtersAcrossPages(t *testing.T) {
	acctest.UseTerraform116(t)
	env := acctest.NewEnv(t, emulator.Config{RateLimitBurst: 5000})
	ids, agent := seedMixedAccount(t, env, 1000)
	env.Emulator.ResetStats()
	identity := func(name string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"id": knownvalue.StringExact(ids[name])}
	}
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   skipBelow1_14,
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: env.ProviderConfig()},
			{
				Query: true,
				// The query file joins the previous step's configuration, which configures the provider.
				Config: fmt.Sprintf(`
list "integratorio_postgres_connection" "all" {
  provider = integratorio
}
list "integratorio_postgres_connection" "orders" {
  provider = integratorio
  config {
    name = "orders-*"
  }
}
list "integratorio_postgres_connection" "eu_host" {
  provider = integratorio
  config {
    host = "DB.EU.example.com"
  }
}
list "integratorio_postgres_connection" "on_premise" {
  provider = integratorio
  config {
    mode = "on_premise"
  }
}
list "integratorio_postgres_connection" "by_agent" {
  provider = integratorio
  config {
    agent_id = %q
  }
}
list "integratorio_postgres_connection" "exact" {
  provider         = integratorio
  include_resource = true
  config {
    name = "orders-us"
    mode = "cloud"
  }
}
`, agent),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("integratorio_postgres_connection.all", 5),
					querycheck.ExpectIdentity("integratorio_postgres_connection.all", identity("zz-last-page")),
					querycheck.ExpectIdentity("integratorio_postgres_connection.all", identity("billing")),
					querycheck.ExpectIdentity("integratorio_postgres_connection.all", identity("orders-dc1")),
					querycheck.ExpectIdentity("integratorio_postgres_connection.all", identity("orders-eu")),
					querycheck.ExpectIdentity("integratorio_postgres_connection.all", identity("orders-us")),
					querycheck.ExpectLength("integratorio_postgres_connection.orders", 3),
					querycheck.ExpectLength("integratorio_postgres_connection.eu_host", 3),
					querycheck.ExpectIdentity("integratorio_postgres_connection.eu_host", identity("billing")),
					querycheck.ExpectIdentity("integratorio_postgres_connection.eu_host", identity("orders-eu")),
					querycheck.ExpectLength("integratorio_postgres_connection.on_premise", 1),
					querycheck.ExpectIdentity("integratorio_postgres_connection.on_premise", identity("orders-dc1")),
					querycheck.ExpectLength("integratorio_postgres_connection.by_agent", 1),
					querycheck.ExpectLength("integratorio_postgres_connection.exact", 1),
					querycheck.ExpectResourceKnownValues("integratorio_postgres_connection.exact",
						queryfilter.ByResourceIdentity(identity("orders-us")), []querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("orders-us")},
							{Path: tfjsonpath.New("host"), KnownValue: knownvalue.StringExact("db.us.example.com")},
							{Path: tfjsonpath.New("port"), KnownValue: knownvalue.Int64Exact(6432)},
							{Path: tfjsonpath.New("concurrency_level"), KnownValue: knownvalue.Int64Exact(3)},
							{Path: tfjsonpath.New("properties"), KnownValue: knownvalue.MapExact(map[string]knownvalue.Check{
								"statement_timeout": knownvalue.StringExact("30000")})},
							{Path: tfjsonpath.New("password"), KnownValue: knownvalue.Null()},
						}),
				},
			},
		},
	})
	// 6 list blocks, each one listing of 2 pages (1008 connections at 1000 a page).
	if n := env.Emulator.Stats()["GET /v1/connections"]; n != 12 {
		t.Errorf("the query made %d GET /v1/connections requests; 6 listings of 2 pages are 12", n)
	}
}

// Filters that cannot match anything, and filter values that are wrong, are refused with what to
// change.
func TestEmulatorPostgresConnectionList_badFilters(t *testing.T) {
	acctest.UseTerraform116(t)
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   skipBelow1_14,
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: env.ProviderConfig()},
			{
				Query: true,
				Config: `
list "integratorio_postgres_connection" "x" {
  provider = integratorio
  config {
    mode     = "cloud"
    agent_id = "aaaaaaaaaaaaaaaaaaaaaaaa"
  }
}
`,
				ExpectError: acctest.ErrorText("Filters Exclude Every Connection", "agent_id selects on-premise connections"),
			},
			{
				Query: true,
				Config: `
list "integratorio_postgres_connection" "x" {
  provider = integratorio
  config {
    mode = "onprem"
  }
}
`,
				ExpectError: acctest.ErrorText("Invalid Connection Mode", `Did you mean "on_premise"?`),
			},
		},
	})
}

// TestEmulatorPostgresConnectionList_generateConfig runs `terraform query
// -generate-config-out=generated.tf` with the real Terraform 1.16 and the built provider, then
// plans the generated import blocks and configuration: every connection is imported with no
// change, and the query warns which secrets each connection will need before its next change.
func TestEmulatorPostgresConnectionList_generateConfig(t *testing.T) {
	tf := acctest.UseTerraform116(t)
	env := acctest.NewEnv(t, emulator.Config{})
	ids, agent := seedMixedAccount(t, env, 0)
	cli := newCLI(t, env)
	cli.Binary = tf
	writeFile(t, cli.Dir, "main.tf", fmt.Sprintf(`
terraform {
  required_providers {
    integratorio = { source = %q }
  }
}
provider "integratorio" {}
`, clirunner.ProviderSource))
	writeFile(t, cli.Dir, "connections.tfquery.hcl", `
list "integratorio_postgres_connection" "all" {
  provider = integratorio
}
`)
	ctx := t.Context()
	env.Emulator.ResetStats()
	query := cli.Run(ctx, "query", "-no-color", "-generate-config-out=generated.tf")
	if query.Err != nil {
		t.Fatal(query.Err)
	}
	t.Logf("terraform query -generate-config-out=generated.tf:\n%s", query.Output())
	if n := env.Emulator.Stats()["GET /v1/connections"]; n != 1 {
		t.Errorf("the query made %d GET /v1/connections requests, not one listing", n)
	}
	for name, id := range ids {
		if !strings.Contains(query.Stdout, id) || !strings.Contains(query.Stdout, name) {
			t.Errorf("the query output does not show %q (%s)", name, id)
		}
	}
	for _, other := range []string{"orders-api", "orders-drop", "orders-mysql"} {
		if strings.Contains(query.Stdout, other) {
			t.Errorf("the query lists %q, which is not a PostgreSQL connection", other)
		}
	}
	if want := acctest.ErrorText("Generated Configuration Needs Secrets", `"billing" (`+ids["billing"]+`): password or password_wo, ssl_ca`); !want.MatchString(query.Output()) {
		t.Errorf("the query does not say which secrets each connection needs:\n%s", query.Output())
	}
	generated, err := os.ReadFile(filepath.Join(cli.Dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated.tf:\n%s", generated)
	checkQueryGenerated(t, string(generated), ids, agent)

	plan := cli.Run(ctx, "plan", "-no-color")
	if plan.Err != nil {
		t.Fatal(plan.Err)
	}
	if !strings.Contains(plan.Stdout, "Plan: 5 to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Errorf("the generated configuration does not plan a clean import of the 5 connections:\n%s", plan.Stdout)
	}
	if apply := cli.Run(ctx, "apply", "-no-color", "-auto-approve"); apply.Err != nil {
		t.Fatal(apply.Err)
	}
	if again := cli.Run(ctx, "plan", "-no-color", "-detailed-exitcode"); again.Err != nil {
		t.Errorf("after the import, the plan is not empty: %v", again.Err)
	}
}

// checkQueryGenerated fails unless generated (what `terraform query -generate-config-out` wrote)
// holds, for each PostgreSQL connection of seedMixedAccount, one resource block with its settings
// and no secret, and an import block that imports it by its identity.
func checkQueryGenerated(t *testing.T, generated string, ids map[string]string, agent string) {
	t.Helper()
	parsed, err := parseGenerated(generated)
	if err != nil {
		t.Fatalf("generated.tf: %v", err)
	}
	seed := func(name, host string, port int) map[string]any {
		return map[string]any{"name": name, "host": host, "port": port, "database": "orders", "username": "svc",
			"concurrency_level": 3, "properties": map[string]any{"statement_timeout": "30000"}, "use_ssl": false, "mode": "cloud"}
	}
	want := map[string]map[string]any{
		"orders-eu":    seed("orders-eu", "db.eu.example.com", 5432),
		"orders-us":    seed("orders-us", "db.us.example.com", 6432),
		"zz-last-page": seed("zz-last-page", "db.eu.example.com", 5432),
		"orders-dc1":   seed("orders-dc1", "10.0.0.5", 5432),
		"billing":      seed("billing", "db.eu.example.com", 5432),
	}
	want["orders-dc1"]["mode"], want["orders-dc1"]["agent_id"] = "on_premise", agent
	want["billing"]["use_ssl"], want["billing"]["ssl_verify_server_certificate"] = true, true
	if len(parsed.resources) != len(want) || len(parsed.imports) != len(want) {
		t.Errorf("generated.tf has %d resource and %d import blocks, want %d of each", len(parsed.resources), len(parsed.imports), len(want))
	}
	for addr, attrs := range parsed.resources {
		name, _ := attrs["name"].(string)
		wantJSON, _ := json.Marshal(want[name])
		gotJSON, _ := json.Marshal(attrs)
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("generated %s (%q) has\n%s\nwant\n%s", addr, name, gotJSON, wantJSON)
		}
		if id := parsed.imports[addr]; id != ids[name] {
			t.Errorf("generated %s (%q) is imported with identity id %q, want %q", addr, name, id, ids[name])
		}
	}
}
