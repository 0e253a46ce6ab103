package provider_test

import (
	"strings"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// What the README says about secrets in error text, through the real CLI: the provider's message
// never holds the password of a connection URL given as host, but Terraform prints the source line
// at fault above it, so a password written literally in a .tf file shows there, as written; one
// from a variable shows as the variable's name.
func TestCLI_secretInHostURL_onlyInTerraformsSourceSnippet(t *testing.T) {
	t.Parallel()
	const literal, fromVar = "LiteralSecret77", "VarSecret99"
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	cli.Env = append(cli.Env, "TF_VAR_url=postgres://svc:"+fromVar+"@db.example.com:5432/orders")
	writeFile(t, cli.Dir, "main.tf", requiredProviders+`
resource "integratorio_postgres_connection" "literal" {
  name     = "literal"
  host     = "postgres://svc:`+literal+`@db.example.com:5432/orders"
  database = "orders"
  username = "svc"
  password = "not-this-one"
}
`)
	fromVarConfig := requiredProviders + `
variable "url" {
  type      = string
  sensitive = true
}

resource "integratorio_postgres_connection" "from_var" {
  name     = "from_var"
  host     = var.url
  database = "orders"
  username = "svc"
  password = "not-this-one"
}
`
	// validate sees the literal; a variable's value is known only at plan.
	out := cli.Run(t.Context(), "validate", "-no-color").Output()
	var snippet, rest []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `host     = "postgres://`) {
			snippet = append(snippet, line)
		} else {
			rest = append(rest, line)
		}
	}
	if len(snippet) != 1 || !strings.Contains(snippet[0], literal) {
		t.Errorf("Terraform's source snippet does not quote the literal line once:\n%s", out)
	}
	if text := strings.Join(rest, "\n"); strings.Contains(text, literal) || !strings.Contains(text, "Invalid Database Host") {
		t.Errorf("outside Terraform's source snippet, the output holds the password or lacks the error:\n%s", out)
	}

	writeFile(t, cli.Dir, "main.tf", fromVarConfig)
	out = cli.Run(t.Context(), "plan", "-no-color").Output()
	if !strings.Contains(out, "host     = var.url") || !strings.Contains(out, "Invalid Database Host") || strings.Contains(out, fromVar) {
		t.Errorf("a URL from a variable: want the variable's name in the snippet and no password:\n%s", out)
	}
}
