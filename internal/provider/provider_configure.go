package provider

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// apiVersionPath is the path every integrator.io API URL starts with.
const apiVersionPath = "/v1"

// withAPIVersionPath adds /v1 to a base URL that has no path, such as https://api.integrator.io:
// the API lives under /v1, and a URL without a path cannot mean anything else. A URL that does
// not parse is returned as it is, for the client to explain.
func withAPIVersionPath(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return raw
	}
	u.Path = apiVersionPath
	return u.String()
}

// tokenInfoFailure explains why GET /tokenInfo failed, separating what the user must change: the
// token (401, 403), the URL (404: it does not point at the API), or the network (no answer).
func tokenInfoFailure(err error, baseURL string, urlAttribute path.Path, diags *diag.Diagnostics) {
	endpoint := strings.TrimRight(baseURL, "/") + "/tokenInfo"
	var apiErr *client.APIError
	switch {
	case errors.Is(err, client.ErrUnauthorized), errors.Is(err, client.ErrForbidden):
		advice := "Check that the token is active and belongs to this region: a token issued for the EU region " +
			"(https://api.eu.integrator.io) is refused by the US one, and the reverse. Set region = \"eu\" for EU accounts."
		if !urlAttribute.Equal(path.Root("region")) && !isRegionAPI(baseURL) {
			// base_url names an API of its own (a proxy, an emulator): region advice would not apply.
			advice = "Check that the token is active and was issued for the API at base_url: a token issued for one " +
				"integrator.io API (or emulator) is refused by any other."
		}
		diags.AddAttributeError(path.Root("api_token"), "Cannot Authenticate to integrator.io",
			fmt.Sprintf("integrator.io at %s refused the API token: %s\n\n%s", baseURL, err, advice))
	case errors.Is(err, client.ErrNotFound):
		diags.AddAttributeError(urlAttribute, "integrator.io API Not Found",
			fmt.Sprintf("GET %s answered 404 Not Found, so %s is not the integrator.io API's base URL. "+
				"The base URL ends in %s: https://api.integrator.io/v1 (US) or https://api.eu.integrator.io/v1 (EU); "+
				"a URL without a path gets %s added. Correct base_url (or %s), or remove it and set region instead.",
				endpoint, baseURL, apiVersionPath, apiVersionPath, envBaseURL))
	case errors.As(err, &apiErr):
		diags.AddAttributeError(urlAttribute, "Unexpected Answer From integrator.io",
			fmt.Sprintf("GET %s failed: %s\n\nCheck that base_url points at the integrator.io API, and try again later "+
				"if integrator.io reports a problem of its own.", endpoint, err))
	default:
		diags.AddAttributeError(urlAttribute, "Cannot Reach the integrator.io API",
			fmt.Sprintf("Terraform could not reach %s from this machine: %s\n\n"+
				"Check the URL, and that this machine can reach it: DNS, proxy settings (HTTPS_PROXY), firewalls, and for a "+
				"TLS error, that the machine trusts the server's certificate authority.", endpoint, err))
	}
}

// isRegionAPI reports whether baseURL is one of integrator.io's regional APIs.
func isRegionAPI(baseURL string) bool {
	for _, region := range client.Regions {
		if u, err := client.BaseURLForRegion(region); err == nil && strings.TrimRight(u, "/") == strings.TrimRight(baseURL, "/") {
			return true
		}
	}
	return false
}
