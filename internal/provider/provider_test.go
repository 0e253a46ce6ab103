package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// agentLookup is a configuration that makes the provider configure itself and call the API.
const agentLookup = `
data "integratorio_agent" "a" {
  name = "any"
}
`

// A token integrator.io does not accept stops the provider with a message saying what to check.
func TestAccProvider_badToken(t *testing.T) {
	t.Parallel()
	tg := acctest.Live(t)
	where := ""
	if tg.BaseURL != "" {
		where = fmt.Sprintf("  base_url  = %q\n", tg.BaseURL)
	} else if tg.Region != "" {
		where = fmt.Sprintf("  region    = %q\n", tg.Region)
	}
	resource.Test(t, accCase(t, tg, resource.TestStep{
		Config: fmt.Sprintf(`
provider "integratorio" {
%s  api_token = "tf-acc-not-a-valid-token"
}
`, where) + agentLookup,
		ExpectError: regexp.MustCompile(`(?s)Cannot Authenticate to integrator.io.*Check that the token is active and\s+(belongs to this region|was\s+issued for the API at base_url)`),
	}))
}

func TestEmulatorProvider_foreignRegionToken(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{ForeignTokens: []string{"eu-token-0123456789"}})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "integratorio" {
  base_url  = %q
  api_token = "eu-token-0123456789"
}
`, env.URL) + agentLookup,
			// base_url names the emulator, not a region's API: no region advice.
			ExpectError: acctest.ErrorText("Cannot Authenticate to integrator.io",
				"Check that the token is active and was issued for the API at base_url: a token issued for one integrator.io API (or emulator) is refused by any other."),
		}},
	})
}

func TestProvider_plainHTTPRefusedExceptLoopback(t *testing.T) {
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "integratorio" {
  base_url  = "http://api.integrator.example.com/v1"
  api_token = "some-token"
}
` + agentLookup,
			ExpectError: regexp.MustCompile(`(?s)Invalid integrator.io API URL.*https`),
		}},
	})
}

// A refused base_url is quoted without its user information and query, where a token may hide.
func TestProvider_baseURLRedactedInErrors(t *testing.T) {
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "integratorio" {
  base_url  = "http://svc:pw-in-url-5e1@api.integrator.example.com/v1?token=tok-in-query-9b2"
  api_token = "some-token"
}
` + agentLookup,
			ExpectError: acctest.ErrorText("Invalid integrator.io API URL",
				`The API base URL "http://***@api.integrator.example.com/v1?***" cannot be used: integrator.io client: base URL`,
				`"http://***@api.integrator.example.com/v1?***" must not contain credentials`),
		}},
	})
}

func TestProvider_unknownRegion(t *testing.T) {
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "integratorio" {
  region    = "asia"
  api_token = "some-token"
}
` + agentLookup,
			ExpectError: acctest.ErrorText("Invalid integrator.io Region", `The region "asia" is not one this provider knows: use "us" or "eu".`),
		}},
	})
}

// Not parallel: it clears the token environment variable.
func TestProvider_missingToken(t *testing.T) {
	t.Setenv("INTEGRATORIO_API_TOKEN", "")
	t.Setenv("INTEGRATORIO_BASE_URL", "")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      `provider "integratorio" {}` + agentLookup,
			ExpectError: regexp.MustCompile(`(?s)Missing integrator.io API Token.*INTEGRATORIO_API_TOKEN`),
		}},
	})
}

// Not parallel: it configures the provider from the environment alone.
func TestEmulatorProvider_environmentVariables(t *testing.T) {
	env := acctest.NewEnv(t, emulator.Config{})
	if _, err := env.Emulator.AddAgent(emulator.AgentSpec{Name: "any", Online: true}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("INTEGRATORIO_API_TOKEN", env.Token)
	t.Setenv("INTEGRATORIO_BASE_URL", env.URL)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: agentLookup,
			Check:  resource.TestCheckResourceAttr("data.integratorio_agent.a", "online", "true"),
		}},
	})
}

func TestProvider_requestTimeoutOutOfRange(t *testing.T) {
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "integratorio" {
  api_token       = "some-token"
  request_timeout = "20m"
}
` + agentLookup,
			ExpectError: acctest.ErrorText("Duration Out of Range", `request_timeout = "20m" is outside the allowed range: use a duration from 1s to 10m.`),
		}},
	})
}

// A region typo in the environment is reported once, naming the environment variable, with the
// region meant; one in the block is reported once too, by the block's attribute.
func TestEmulatorCLI_regionTypoOnceWhateverItsSource(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	cli := newCLI(t, env)
	cli.Env = []string{"INTEGRATORIO_API_TOKEN=" + env.Token, "INTEGRATORIO_REGION=europe"}
	lookup := `
data "integratorio_agents" "all" {}
`
	out, err := cliOutput(t, cli, lookup, "plan", "-no-color")
	if err == nil {
		t.Fatalf("INTEGRATORIO_REGION=europe was accepted:\n%s", out)
	}
	wantIn(t, out, "Error: Invalid integrator.io Region",
		`The region "europe" (from the INTEGRATORIO_REGION environment variable) is not one this provider knows: use "us" or "eu". Did you mean "eu"?`)
	if n := strings.Count(out, "Invalid integrator.io Region"); n != 1 {
		t.Errorf("the region typo was reported %d times, want once:\n%s", n, out)
	}

	cli.Env = []string{"INTEGRATORIO_API_TOKEN=" + env.Token}
	out, err = cliOutput(t, cli, `
provider "integratorio" {
  region = "EUR"
}
`+lookup, "plan", "-no-color")
	if err == nil {
		t.Fatalf("region = \"EUR\" was accepted:\n%s", out)
	}
	wantIn(t, out, `The region "EUR" is not one this provider knows: use "us" or "eu". Did you mean "eu"?`, `: region = "EUR"`)
	if n := strings.Count(out, "Invalid integrator.io Region"); n != 1 {
		t.Errorf("the region typo was reported %d times, want once:\n%s", n, out)
	}
	wantNotIn(t, out, "`")
}

// region beside base_url is ignored, and the user is told so.
func TestEmulatorCLI_regionIgnoredWithBaseURL(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	if _, err := env.Emulator.AddAgent(emulator.AgentSpec{Name: "any", Online: true}); err != nil {
		t.Fatal(err)
	}
	cli := newCLI(t, env) // base_url from INTEGRATORIO_BASE_URL
	out, err := cliOutput(t, cli, `
provider "integratorio" {
  region = "EU"
}
`+agentLookup, "plan", "-no-color")
	if err != nil {
		t.Fatalf("plan failed:\n%s", out)
	}
	wantIn(t, out, "Warning: Region Ignored", `Both region ("eu", from the provider block's region) and base_url (from the `+
		`INTEGRATORIO_BASE_URL environment variable) are set; base_url decides which API is used, so region is ignored.`)
}
