package provider_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// A failed GET /tokenInfo says what to change: the token, the URL or the network.
func TestEmulatorProvider_tokenInfoFailuresSeparated(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	root := strings.TrimSuffix(env.URL, "/v1")
	provider := func(baseURL, token string) string {
		return fmt.Sprintf(`
provider "integratorio" {
  base_url    = %q
  api_token   = %q
  max_retries = 0
}
`, baseURL, token) + agentLookup
	}
	unreachable := fmt.Sprintf("http://127.0.0.1:%d/v1", closedPort(t))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      provider(env.URL, "not-a-valid-token"),
				ExpectError: acctest.ErrorText("Cannot Authenticate to integrator.io", "refused the API token", "Check that the token is active"),
			},
			{
				Config: provider(root+"/api", env.Token),
				ExpectError: acctest.ErrorText("integrator.io API Not Found", "GET "+root+"/api/tokenInfo answered 404 Not Found",
					"The base URL ends in /v1"),
			},
			{
				Config: provider(unreachable, env.Token),
				ExpectError: acctest.ErrorText("Cannot Reach the integrator.io API",
					"Terraform could not reach "+strings.TrimSuffix(unreachable, "/v1")+"/v1/tokenInfo from this machine", "refused"),
			},
		},
	})
}

// A base URL without a path is the API's root: /v1 is added.
func TestEmulatorProvider_baseURLWithoutVersionPath(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	if _, err := env.Emulator.AddAgent(emulator.AgentSpec{Name: "any", Online: true}); err != nil {
		t.Fatal(err)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "integratorio" {
  base_url  = %q
  api_token = %q
}
`, strings.TrimSuffix(env.URL, "/v1"), env.Token) + agentLookup,
			Check: resource.TestCheckResourceAttr("data.integratorio_agent.a", "online", "true"),
		}},
	})
}

// The region is accepted in any case.
func TestEmulatorProvider_regionInAnyCase(t *testing.T) {
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			// The token is refused by the (unreachable) EU API or its absence: what matters is
			// that "EU" passes validation and reaches Configure.
			Config: `
provider "integratorio" {
  region      = "EU"
  api_token   = "some-token"
  base_url    = "http://127.0.0.1:1/v1"
  max_retries = 0
}
` + agentLookup,
			ExpectError: acctest.ErrorText("Cannot Reach the integrator.io API"),
		}},
	})
}
