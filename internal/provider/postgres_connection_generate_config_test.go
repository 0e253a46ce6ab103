package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// generatedAddr is where terraform-plugin-testing's GenerateConfig mode imports to.
const generatedAddr = "integratorio_postgres_connection.generated"

// The configuration Terraform generates for an imported connection (`-generate-config-out`,
// built by the GenerateResourceConfig call that `terraform query -generate-config-out` makes for
// each listed connection too) holds exactly the settings the connection has and no secret or
// computed attribute; importing with it plans no change, by identity and by id (the page
// address), and the identity Terraform records is the connection's id. Applying it (the import
// block beside it, the old address forgotten) leaves a plan with nothing to do.
func TestEmulatorPostgresConnection_generateConfigOnImport(t *testing.T) {
	acctest.UseTerraform116(t)
	env := acctest.NewEnv(t, emulator.Config{})
	t.Setenv("INTEGRATORIO_API_TOKEN", env.Token)
	t.Setenv("INTEGRATORIO_BASE_URL", env.URL)
	dir := t.TempDir()
	sameID := statecheck.CompareValue(compare.ValuesSame())
	var id string
	want := map[string]any{
		"name":              "Orders Replica",
		"host":              "db.example.com",
		"port":              6432,
		"database":          "orders",
		"username":          "svc",
		"concurrency_level": 3,
		"properties":        map[string]any{"statement_timeout": "30000"},
		"use_ssl":           false,
		"mode":              "cloud",
	}
	firstGenerated := ""
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   skipBelow1_14,
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: connConfig(env, `
  name               = "Orders Replica"
  host               = "db.example.com"
  port               = 6432
  database           = "orders"
  username           = "svc"
  password           = "s3cret-pw"
  concurrency_level  = 3
  properties         = { statement_timeout = "30000" }
  connectivity_check = { direct = false, via_api = false }
`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(connAddr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(idPattern)}),
					statecheck.ExpectIdentityValueMatchesState(connAddr, tfjsonpath.New("id")),
					sameID.AddStateValue(connAddr, tfjsonpath.New("id")),
				},
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources[connAddr].Primary.ID
					return nil
				},
			},
			{
				// import { identity = { id = ... } } with -generate-config-out. The mode itself fails
				// unless the import is a no-op with the identity of the prior state.
				Config:          acctest.RequiredProviders + env.ProviderConfig(),
				ResourceName:    connAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				GenerateConfig:  true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(generatedAddr, plancheck.ResourceActionNoop),
					plancheck.ExpectKnownValue(generatedAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(idPattern)),
					plancheck.ExpectKnownValue(generatedAddr, tfjsonpath.New("password"), knownvalue.Null()),
					generatedConfigCheck{addr: generatedAddr, want: want, got: &firstGenerated},
				}},
			},
			{
				// import { id = "<the connection's page>" } generates the same configuration.
				Config:          acctest.RequiredProviders + env.ProviderConfig(),
				ResourceName:    connAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateIdFunc: func(*terraform.State) (string, error) {
					return "https://integrator.io/connections/" + id + "/edit", nil
				},
				GenerateConfig: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(generatedAddr, plancheck.ResourceActionNoop),
					generatedConfigCheck{addr: generatedAddr, want: want, sameAs: &firstGenerated},
				}},
			},
			{
				// The generated configuration applied as `terraform query -generate-config-out` leaves
				// it: its import block beside it. The connection moves to the generated address (the
				// old one is forgotten, not destroyed), and the plan after the apply is empty.
				// The provider reads the emulator from the environment: terraform-plugin-testing
				// refuses a provider block in a configuration directory. The function runs when the
				// case is validated too, before the connection exists.
				ConfigDirectory: func(config.TestStepConfigRequest) string {
					if id == "" {
						return dir
					}
					writeFile(t, dir, "main.tf", acctest.RequiredProviders+fmt.Sprintf(`
import {
  to       = %s
  identity = { id = %q }
}
removed {
  from = %s
  lifecycle {
    destroy = false
  }
}
`, generatedAddr, id, connAddr))
					writeFile(t, dir, "generated.tf", firstGenerated)
					return dir
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(generatedAddr, plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(generatedAddr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(idPattern)}),
					statecheck.ExpectIdentityValueMatchesState(generatedAddr, tfjsonpath.New("id")),
					sameID.AddStateValue(generatedAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(generatedAddr, tfjsonpath.New("port"), knownvalue.Int64Exact(6432)),
				},
				Check: func(*terraform.State) error {
					if n := len(env.Emulator.Connections()); n != 1 {
						return fmt.Errorf("the emulator holds %d connections after the apply, want the 1 imported", n)
					}
					return nil
				},
			},
		},
	})
	t.Logf("generated configuration:\n%s", firstGenerated)
	if strings.Contains(firstGenerated, "s3cret-pw") {
		t.Errorf("the generated configuration holds the password:\n%s", firstGenerated)
	}
}

// generatedConfigCheck fails unless the plan's generated configuration for addr is one resource
// block whose attributes are exactly want (the values compared as JSON). got receives the
// configuration; sameAs, when set, must equal it.
type generatedConfigCheck struct {
	addr   string
	want   map[string]any
	got    *string
	sameAs *string
}

func (c generatedConfigCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		if c.got != nil {
			*c.got = rc.Change.GeneratedConfig
		}
		if c.sameAs != nil && rc.Change.GeneratedConfig != *c.sameAs {
			resp.Error = fmt.Errorf("the generated configuration differs:\n%s\nfrom the first one:\n%s", rc.Change.GeneratedConfig, *c.sameAs)
			return
		}
		generated, err := parseGenerated(rc.Change.GeneratedConfig)
		if err != nil {
			resp.Error = fmt.Errorf("%w in the generated configuration:\n%s", err, rc.Change.GeneratedConfig)
			return
		}
		got, ok := generated.resources[c.addr]
		if len(generated.resources) != 1 || len(generated.imports) != 0 || !ok {
			resp.Error = fmt.Errorf("the generated configuration is not one resource block for %s:\n%s", c.addr, rc.Change.GeneratedConfig)
			return
		}
		wantJSON, _ := json.Marshal(c.want)
		gotJSON, _ := json.Marshal(got)
		if string(wantJSON) != string(gotJSON) {
			resp.Error = fmt.Errorf("the generated configuration's attributes are\n%s\nwant\n%s\nconfiguration:\n%s", gotJSON, wantJSON, rc.Change.GeneratedConfig)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", c.addr)
}

// generatedConfig is what `-generate-config-out` wrote: each resource block's attributes by the
// block's address (null ones and the provider reference left out), and each import block's
// identity id by the address it imports to.
type generatedConfig struct {
	resources map[string]map[string]any
	imports   map[string]string
}

// parseGenerated reads generated configuration with HCL's parser, refusing what it cannot read.
func parseGenerated(src string) (generatedConfig, error) {
	out := generatedConfig{resources: map[string]map[string]any{}, imports: map[string]string{}}
	file, diags := hclsyntax.ParseConfig([]byte(src), "generated.tf", hcl.InitialPos)
	if diags.HasErrors() {
		return out, diags
	}
	for _, block := range file.Body.(*hclsyntax.Body).Blocks {
		if len(block.Body.Blocks) > 0 {
			return out, fmt.Errorf("nested block %q in %s", block.Body.Blocks[0].Type, block.Type)
		}
		attrs := block.Body.Attributes
		switch {
		case block.Type == "resource" && len(block.Labels) == 2:
			values := map[string]any{}
			for name, attr := range attrs {
				if name == "provider" {
					continue
				}
				v, err := jsonValue(attr.Expr)
				if err != nil {
					return out, fmt.Errorf("%s.%s: %w", block.Labels[1], name, err)
				}
				if v != nil {
					values[name] = v
				}
			}
			out.resources[block.Labels[0]+"."+block.Labels[1]] = values
		case block.Type == "import" && attrs["to"] != nil && attrs["identity"] != nil:
			to, diags := hcl.AbsTraversalForExpr(attrs["to"].Expr)
			if diags.HasErrors() {
				return out, fmt.Errorf("import to: %w", diags)
			}
			identity, err := jsonValue(attrs["identity"].Expr)
			if err != nil {
				return out, fmt.Errorf("import identity: %w", err)
			}
			id, _ := identity.(map[string]any)["id"].(string)
			var addr strings.Builder
			addr.WriteString(to.RootName())
			for _, step := range to[1:] {
				if attr, ok := step.(hcl.TraverseAttr); ok {
					addr.WriteString("." + attr.Name)
				}
			}
			out.imports[addr.String()] = id
		default:
			return out, fmt.Errorf("unexpected %s block", block.Type)
		}
	}
	return out, nil
}

// jsonValue is a constant expression's value as encoding/json reads it (nil for null).
func jsonValue(expr hclsyntax.Expression) (any, error) {
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return nil, diags
	}
	if v.IsNull() {
		return nil, nil
	}
	raw, err := ctyjson.SimpleJSONValue{Value: v}.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var value any
	return value, json.Unmarshal(raw, &value)
}

// The checker of generated configuration reads what Terraform writes and refuses what it cannot.
func TestParseGenerated(t *testing.T) {
	t.Parallel()
	got, err := parseGenerated(`# __generated__ by Terraform
resource "integratorio_postgres_connection" "all_0" {
  provider   = integratorio
  name       = "a"
  port       = 5432
  password   = null # sensitive
  properties = { x = "1" }
}

import {
  to       = integratorio_postgres_connection.all_0
  provider = integratorio
  identity = {
    id = "6b111ebd076d6722880dcf8f"
  }
}
`)
	if err != nil {
		t.Fatal(err)
	}
	gotJSON, _ := json.Marshal(got.resources)
	if want := `{"integratorio_postgres_connection.all_0":{"name":"a","port":5432,"properties":{"x":"1"}}}`; string(gotJSON) != want {
		t.Errorf("resources: got %s, want %s", gotJSON, want)
	}
	if id := got.imports["integratorio_postgres_connection.all_0"]; id != "6b111ebd076d6722880dcf8f" || len(got.imports) != 1 {
		t.Errorf("imports: got %v", got.imports)
	}
	for src, problem := range map[string]*regexp.Regexp{
		`resource "a" "b" {`:                       regexp.MustCompile(`generated.tf`),
		"resource \"a\" \"b\" {\n  timeouts {}\n}": regexp.MustCompile(`nested block "timeouts" in resource`),
		"resource \"a\" \"b\" {\n  x = var.y\n}":   regexp.MustCompile(`b\.x: .*Variables not allowed`),
		"module \"m\" {\n}":                        regexp.MustCompile(`unexpected module block`),
	} {
		if _, err := parseGenerated(src); err == nil || !problem.MatchString(err.Error()) {
			t.Errorf("parseGenerated(%q) = %v, want an error matching %s", src, err, problem)
		}
	}
}
