package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// providerSettings are the provider's settings as the block and the environment decide them:
// everything Configure needs to build the client and what resources receive.
type providerSettings struct {
	token            string
	baseURL          string // as given, or the region's API; Configure adds /v1 to a URL without a path
	baseURLGiven     bool   // base_url or INTEGRATORIO_BASE_URL named it (not the region)
	maxRetries       int64
	requestTimeout   time.Duration
	checks           checkDefaults
	maxChecksPerHost int
}

// resolveSettings decides the provider's settings from its block and the environment (getenv:
// os.Getenv in Configure, a map in tests). It only reads: every mistake is a diagnostic on the
// attribute it concerns, naming where the value came from.
func resolveSettings(ctx context.Context, config providerModel, getenv func(string) string) (providerSettings, diag.Diagnostics) {
	var diags diag.Diagnostics
	// A value that comes from another resource is unknown while planning; say which one.
	for name, v := range map[string]interface{ IsUnknown() bool }{
		"api_token": config.APIToken, "region": config.Region, "base_url": config.BaseURL, "max_retries": config.MaxRetries,
		"request_timeout": config.Timeout, "max_checks_per_database_host": config.MaxChecksPerHost,
		"connectivity_check": config.ConnectivityCheck,
	} {
		if v.IsUnknown() {
			diags.AddAttributeError(path.Root(name), "Unknown Provider Setting",
				fmt.Sprintf("The provider cannot be configured because %s depends on a value that is only known after apply. "+
					"Set it from a variable or a value known at plan time, or set the %s-related environment variable.", name, name))
		}
	}
	if diags.HasError() {
		return providerSettings{}, diags
	}
	orEnv := func(v types.String, env string) string {
		if !v.IsNull() {
			return strings.TrimSpace(v.ValueString())
		}
		return strings.TrimSpace(getenv(env))
	}

	var s providerSettings
	s.token = orEnv(config.APIToken, envAPIToken)
	if s.token == "" {
		diags.AddAttributeError(path.Root("api_token"), "Missing integrator.io API Token",
			"The provider needs an integrator.io API token. Set api_token in the provider block (from a sensitive variable) "+
				"or the "+envAPIToken+" environment variable. Create a token in integrator.io under Resources → API tokens.")
	}

	region := strings.ToLower(orEnv(config.Region, envRegion))
	s.baseURL = orEnv(config.BaseURL, envBaseURL)
	s.baseURLGiven = s.baseURL != ""
	if region != "" && s.baseURL != "" {
		diags.AddAttributeWarning(path.Root("region"), "Region Ignored",
			fmt.Sprintf("Both region (%q, from %s) and base_url (from %s) are set; base_url decides which API is used, "+
				"so region is ignored. Remove one of them.", region, settingSource(config.Region, envRegion, "region"),
				settingSource(config.BaseURL, envBaseURL, "base_url")))
	}
	if region == "" {
		region = "us"
	}
	if s.baseURL == "" {
		u, err := client.BaseURLForRegion(region)
		// A region from the block was refused by its validator already: one message per mistake.
		if problem := oneOfProblem("region", region, settingSource(config.Region, envRegion, "region"), client.Regions, true); err != nil && problem != "" && config.Region.IsNull() {
			diags.AddAttributeError(path.Root("region"), "Invalid integrator.io Region", problem)
		}
		s.baseURL = u
	}

	s.maxRetries = defaultMaxRetries
	switch raw := getenv(envRetries); {
	case !config.MaxRetries.IsNull():
		s.maxRetries = config.MaxRetries.ValueInt64()
	case raw != "":
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > 20 {
			diags.AddAttributeError(path.Root("max_retries"), "Invalid Retry Count",
				fmt.Sprintf("%s=%q is not a whole number between 0 and 20.", envRetries, raw))
		}
		s.maxRetries = int64(n)
	}
	s.requestTimeout = defaultRequestTimeout
	if raw := orEnv(config.Timeout, envTimeout); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d < minRequestTimeout || d > maxRequestTimeout {
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid Request Timeout",
				fmt.Sprintf("The request timeout %q (from %s) is not a duration from %s to %s, such as \"30s\" or \"2m\".",
					raw, settingSource(config.Timeout, envTimeout, "request_timeout"), shortDuration(minRequestTimeout), shortDuration(maxRequestTimeout)))
		}
		s.requestTimeout = d
	}
	s.checks, s.maxChecksPerHost = resolveChecks(ctx, config.MaxChecksPerHost, config.ConnectivityCheck, getenv, &diags)
	return s, diags
}
