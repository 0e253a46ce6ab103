package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// providerCheckTypes are the attribute types of the provider block's connectivity_check.
var providerCheckTypes = map[string]attr.Type{"direct": types.BoolType, "via_api": types.BoolType, "allow_password_to_unverified_server": types.BoolType}

// nullProviderModel is a provider block that sets nothing.
func nullProviderModel() providerModel {
	return providerModel{
		APIToken: types.StringNull(), Region: types.StringNull(), BaseURL: types.StringNull(), MaxRetries: types.Int64Null(),
		Timeout: types.StringNull(), MaxChecksPerHost: types.Int64Null(),
		ConnectivityCheck: types.ObjectNull(providerCheckTypes),
	}
}

// diagnosticLines renders diagnostics as "severity at path: summary: detail", one per line.
func diagnosticLines(diags diag.Diagnostics) string {
	var lines []string
	for _, d := range diags {
		at := ""
		if p, ok := d.(diag.DiagnosticWithPath); ok {
			at = " at " + p.Path().String()
		}
		lines = append(lines, fmt.Sprintf("%s%s: %s: %s", d.Severity(), at, d.Summary(), d.Detail()))
	}
	return strings.Join(lines, "\n")
}

// The provider's settings from its block and the environment, as a table: which wins, the
// defaults, and each mistake on its attribute with where the value came from.
func TestResolveSettings(t *testing.T) {
	t.Parallel()
	block := func(change func(*providerModel)) providerModel {
		m := nullProviderModel()
		m.APIToken = types.StringValue("block-token")
		if change != nil {
			change(&m)
		}
		return m
	}
	checks := func(direct, viaAPI attr.Value) types.Object {
		return types.ObjectValueMust(providerCheckTypes,
			map[string]attr.Value{"direct": direct, "via_api": viaAPI, "allow_password_to_unverified_server": types.BoolNull()})
	}
	cases := []struct {
		name   string
		config providerModel
		env    map[string]string
		check  func(t *testing.T, s providerSettings)
		diags  []string // each a substring of one line of diagnosticLines, in order
	}{
		{"defaults", block(nil), nil, func(t *testing.T, s providerSettings) {
			want := providerSettings{token: "block-token", baseURL: "https://api.integrator.io/v1", maxRetries: defaultMaxRetries,
				requestTimeout: defaultRequestTimeout, maxChecksPerHost: defaultMaxChecksPerHost}
			if fmt.Sprint(s) != fmt.Sprint(want) {
				t.Errorf("got %+v, want %+v", s, want)
			}
		}, nil},
		{"everything from the environment", nullProviderModel(), map[string]string{
			envAPIToken: " env-token ", envRegion: "EU", envRetries: "2", envTimeout: "30s", envMaxChecksPerHost: "8",
			envCheckDirect: "false", envCheckViaAPI: "true", envCheckUnverified: "true",
		}, func(t *testing.T, s providerSettings) {
			if !s.checks.allowUnverified {
				t.Error("allow_password_to_unverified_server not read from its environment variable")
			}
			if s.token != "env-token" || s.baseURL != "https://api.eu.integrator.io/v1" || s.baseURLGiven || s.maxRetries != 2 ||
				s.requestTimeout != 30*time.Second || s.maxChecksPerHost != 8 || *s.checks.direct || !*s.checks.viaAPI {
				t.Errorf("got %+v (direct %v, via_api %v)", s, *s.checks.direct, *s.checks.viaAPI)
			}
		}, nil},
		{"the block wins over the environment", block(func(m *providerModel) {
			m.BaseURL, m.MaxRetries, m.Timeout = types.StringValue("http://127.0.0.1:1/v1"), types.Int64Value(0), types.StringValue("5s")
			m.MaxChecksPerHost, m.ConnectivityCheck = types.Int64Value(2), checks(types.BoolValue(true), types.BoolNull())
		}), map[string]string{
			envAPIToken: "env-token", envBaseURL: "https://example.invalid/v1", envRetries: "9", envTimeout: "9m",
			envMaxChecksPerHost: "9", envCheckDirect: "false", envCheckViaAPI: "false",
		}, func(t *testing.T, s providerSettings) {
			if s.token != "block-token" || s.baseURL != "http://127.0.0.1:1/v1" || !s.baseURLGiven || s.maxRetries != 0 ||
				s.requestTimeout != 5*time.Second || s.maxChecksPerHost != 2 || !*s.checks.direct || *s.checks.viaAPI {
				t.Errorf("got %+v (direct %v, via_api %v)", s, *s.checks.direct, *s.checks.viaAPI)
			}
		}, nil},
		{"checks unset: no defaults", block(func(m *providerModel) { m.ConnectivityCheck = checks(types.BoolNull(), types.BoolNull()) }), nil,
			func(t *testing.T, s providerSettings) {
				if s.checks.direct != nil || s.checks.viaAPI != nil {
					t.Errorf("got direct %v, via_api %v", s.checks.direct, s.checks.viaAPI)
				}
			}, nil},
		{"base_url and region: base_url wins, with a warning", block(func(m *providerModel) { m.Region = types.StringValue("eu") }),
			map[string]string{envBaseURL: "https://proxy.example.com/v1"}, func(t *testing.T, s providerSettings) {
				if s.baseURL != "https://proxy.example.com/v1" || !s.baseURLGiven {
					t.Errorf("got %+v", s)
				}
			}, []string{`Warning at region: Region Ignored: Both region ("eu", from the provider block's region) and base_url (from the INTEGRATORIO_BASE_URL environment variable)`}},
		{"no token", nullProviderModel(), nil, nil,
			[]string{"Error at api_token: Missing integrator.io API Token: The provider needs an integrator.io API token. Set api_token"}},
		{"a region from the environment it does not know", block(nil), map[string]string{envRegion: "ue"}, nil,
			[]string{"Error at region: Invalid integrator.io Region:", "INTEGRATORIO_REGION"}},
		{"a retry count from the environment that is not one", block(nil), map[string]string{envRetries: "many"}, nil,
			[]string{`Error at max_retries: Invalid Retry Count: INTEGRATORIO_MAX_RETRIES="many" is not a whole number between 0 and 20.`}},
		{"a retry count out of range", block(nil), map[string]string{envRetries: "21"}, nil,
			[]string{`Error at max_retries: Invalid Retry Count: INTEGRATORIO_MAX_RETRIES="21"`}},
		{"a request timeout out of range", block(nil), map[string]string{envTimeout: "1ms"}, nil,
			[]string{`Error at request_timeout: Invalid Request Timeout: The request timeout "1ms" (from the INTEGRATORIO_REQUEST_TIMEOUT environment variable) is not a duration from 1s to 10m`}},
		{"a check limit out of range", block(nil), map[string]string{envMaxChecksPerHost: "0"}, nil,
			[]string{`Error at max_checks_per_database_host: Invalid Check Limit: INTEGRATORIO_MAX_CHECKS_PER_HOST="0" is not a whole number from 1 to`}},
		{"a check setting that is not a boolean", block(nil), map[string]string{envCheckViaAPI: "maybe"}, nil,
			[]string{`Error at connectivity_check.via_api: Invalid Check Setting: INTEGRATORIO_CHECK_VIA_API="maybe" is neither true nor false.`}},
		{"values known only after apply", block(func(m *providerModel) {
			m.APIToken, m.BaseURL = types.StringUnknown(), types.StringUnknown()
		}), nil, nil, []string{"Error at api_token: Unknown Provider Setting", "Error at base_url: Unknown Provider Setting"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, diags := resolveSettings(t.Context(), tc.config, func(name string) string { return tc.env[name] })
			lines := diagnosticLines(diags)
			if len(tc.diags) == 0 && len(diags) > 0 {
				t.Fatalf("unexpected diagnostics:\n%s", lines)
			}
			for _, want := range tc.diags {
				if !strings.Contains(lines, want) {
					t.Errorf("diagnostics lack %q:\n%s", want, lines)
				}
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}
