package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/pgserver"
)

// unreachableBody is a connection to a port nothing listens on: any check fails.
func unreachableBody(t *testing.T, extra string) string {
	return fmt.Sprintf(`
  name     = "No route from CI"
  host     = "127.0.0.1"
  port     = %d
  database = "orders"
  username = "svc"
  password = "a-password"
%s`, closedPort(t), extra)
}

// The provider block sets the checks' defaults for every connection; a connection's own setting wins.
func TestEmulatorProvider_connectivityCheckDefaults(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	provider := fmt.Sprintf(`
provider "integratorio" {
  base_url  = %q
  api_token = %q
  connectivity_check = {
    direct  = false
    via_api = false
  }
}
`, env.URL, env.Token)
	body := unreachableBody(t, "")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				// The connection's own setting wins over the provider's default.
				Config:      provider + "resource \"integratorio_postgres_connection\" \"test\" {" + unreachableBody(t, "connectivity_check = { direct = true }") + "\n}\n",
				ExpectError: acctest.ErrorText("Direct Connectivity Check Failed", "connection refused by 127.0.0.1:"),
			},
			{
				Config: provider + "resource \"integratorio_postgres_connection\" \"test\" {" + body + "\n}\n",
			},
		},
	})
	if n := env.Emulator.Stats()["POST /v1/connections/ping"]; n != 0 {
		t.Errorf("integrator.io's test ran %d times with via_api = false in the provider block", n)
	}
}

// Not parallel: the defaults come from the environment, as on a CI runner.
func TestEmulatorProvider_connectivityCheckDefaultsFromEnvironment(t *testing.T) {
	env := acctest.NewEnv(t, emulator.Config{})
	t.Setenv("INTEGRATORIO_CHECK_DIRECT", "false")
	t.Setenv("INTEGRATORIO_CHECK_VIA_API", "false")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps:                    []resource.TestStep{{Config: connConfig(env, unreachableBody(t, ""))}},
	})
	t.Setenv("INTEGRATORIO_CHECK_DIRECT", "no")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      connConfig(env, unreachableBody(t, "")),
			ExpectError: acctest.ErrorText("Invalid Check Setting", `INTEGRATORIO_CHECK_DIRECT="no" is neither true nor false.`),
		}},
	})
}

// max_checks_per_database_host is validated like every setting.
func TestProvider_maxChecksPerHostOutOfRange(t *testing.T) {
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "integratorio" {
  api_token                    = "some-token"
  max_checks_per_database_host = 0
}
` + agentLookup,
			ExpectError: acctest.ErrorText("max_checks_per_database_host", "value must be between 1 and 50, got: 0"),
		}},
	})
}

// A server nobody verified gets no password unless the provider block opts out; with the opt-out
// the impostor gets it, which is the exposure the setting's description names.
func TestEmulatorProvider_allowPasswordToUnverifiedServer(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	im := pgserver.StartImpostor(t, pgserver.AuthCleartext, false)
	const password = "unverified-bait-3c81d7"
	body := fmt.Sprintf(`
  name     = "Legacy md5 server"
  host     = %q
  port     = %d
  database = "orders"
  username = "svc"
  password = %q
  connectivity_check = { via_api = false }
`, im.Host, im.Port, password)
	optOut := fmt.Sprintf(`
provider "integratorio" {
  base_url  = %q
  api_token = %q
  connectivity_check = { allow_password_to_unverified_server = true }
}
`, env.URL, env.Token)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: connConfig(env, body),
				ExpectError: acctest.ErrorText("Direct Connectivity Check Failed",
					"the password was not sent: "+im.Addr()+" asked for it in cleartext or as MD5 over a connection without TLS (use_ssl = false)",
					"connectivity_check = { allow_password_to_unverified_server = true } in the provider block"),
			},
			{
				PreConfig: func() {
					if got := im.Received(); len(got) != 0 {
						t.Errorf("without the opt-out the impostor received %q", got)
					}
				},
				Config:      optOut + "resource \"integratorio_postgres_connection\" \"test\" {" + body + "\n}\n",
				ExpectError: acctest.ErrorText("Direct Connectivity Check Failed", "PostgreSQL rejected the password"),
			},
		},
	})
	if got := im.Received(); len(got) != 1 || got[0] != password {
		t.Errorf("with the opt-out the impostor received %q; want the password once", got)
	}
}
