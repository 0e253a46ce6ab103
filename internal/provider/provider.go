// Package provider holds the Terraform framework code of the integrator.io provider: the
// provider configuration, its resources and data sources.
package provider

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// Environment variables read when the matching provider attribute is not set.
const (
	envAPIToken = "INTEGRATORIO_API_TOKEN"
	envRegion   = "INTEGRATORIO_REGION"
	envBaseURL  = "INTEGRATORIO_BASE_URL"
	envRetries  = "INTEGRATORIO_MAX_RETRIES"
	envTimeout  = "INTEGRATORIO_REQUEST_TIMEOUT"

	defaultMaxRetries     = 4
	defaultRequestTimeout = 2 * time.Minute
	minRequestTimeout     = time.Second
	maxRequestTimeout     = 10 * time.Minute
)

var (
	_ provider.Provider                       = (*integratorioProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*integratorioProvider)(nil)
	_ provider.ProviderWithActions            = (*integratorioProvider)(nil)
	_ provider.ProviderWithListResources      = (*integratorioProvider)(nil)
)

// New returns a constructor of the provider for serve.Provider and the acceptance tests.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &integratorioProvider{version: version} }
}

type integratorioProvider struct {
	version string
	fast    refreshFastPath // postgres_connection_refresh_fast_path.go
}

type providerModel struct {
	APIToken   types.String `tfsdk:"api_token"`
	Region     types.String `tfsdk:"region"`
	BaseURL    types.String `tfsdk:"base_url"`
	MaxRetries types.Int64  `tfsdk:"max_retries"`
	Timeout    types.String `tfsdk:"request_timeout"`

	MaxChecksPerHost  types.Int64  `tfsdk:"max_checks_per_database_host"`
	ConnectivityCheck types.Object `tfsdk:"connectivity_check"`
}

func (p *integratorioProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "integratorio"
	resp.Version = p.version
}

func (p *integratorioProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages [integrator.io](https://www.celigo.com/integrator-io/) connections through its REST API.",
		Attributes: map[string]schema.Attribute{
			"api_token": schema.StringAttribute{
				MarkdownDescription: "An integrator.io API token (Resources → API tokens). Falls back to the `" + envAPIToken +
					"` environment variable. Required one way or the other. Tokens are bound to a region.",
				Optional:  true,
				Sensitive: true,
			},
			"region": schema.StringAttribute{
				MarkdownDescription: "The integrator.io region the account lives in: " + quotedList(client.Regions) +
					", in any case. Defaults to `\"us\"`. Falls back to the `" + envRegion + "` environment variable. Ignored, with a warning, when `base_url` is set.",
				Optional:   true,
				Validators: []validator.String{OneOfValidator("Invalid integrator.io Region", "region", client.Regions, true)},
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "The API's base URL, such as `https://api.integrator.io/v1`; overrides `region`. " +
					"Must use `https://`, except for a loopback host (a local emulator). Falls back to the `" + envBaseURL + "` environment variable.",
				Optional: true,
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many times a request that is safe to repeat is retried after a rate limit (HTTP 429), "+
					"a server error or a dropped connection, with backoff. Defaults to `%d`; `0` disables retries. "+
					"Falls back to the `%s` environment variable.", defaultMaxRetries, envRetries),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("How long one attempt of an API request may take, such as `\"30s\"`, from %s to %s; "+
					"a request that is safe to repeat is then retried, and a create whose answer never came is looked up "+
					"before it is tried again. Defaults to `\"%s\"` (integrator.io's connection test reaches the database). "+
					"Falls back to the `%s` environment variable.", shortDuration(minRequestTimeout), shortDuration(maxRequestTimeout),
					shortDuration(defaultRequestTimeout), envTimeout),
				Optional:   true,
				Validators: []validator.String{DurationValidator(minRequestTimeout, maxRequestTimeout)},
			},
			"max_checks_per_database_host": maxChecksPerHostSchema(),
			"connectivity_check":           providerCheckSchema(),
		},
	}
}

func (p *integratorioProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	settings, diags := resolveSettings(ctx, config, os.Getenv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	token, baseURL, maxRetries := settings.token, settings.baseURL, settings.maxRetries

	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "token", "api_token", "authorization")
	ctx = tflog.MaskAllFieldValuesStrings(ctx, token)

	c, err := client.New(
		client.WithToken(token),
		client.WithBaseURL(withAPIVersionPath(baseURL)),
		client.WithMaxRetries(int(maxRetries)),
		client.WithRequestTimeout(settings.requestTimeout),
		client.WithUserAgent("terraform-provider-integratorio/"+p.version),
		client.WithLogger(tflogLogger{}),
	)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Invalid integrator.io API URL",
			fmt.Sprintf("The API base URL %q cannot be used: %s. Use https://api.integrator.io/v1 (US), "+
				"https://api.eu.integrator.io/v1 (EU), or http:// only for a local emulator on a loopback address.", client.RedactedURL(baseURL), err))
		return
	}

	// Prove the token works before any resource does anything, so a bad or foreign-region token
	// fails once, clearly, instead of once per resource.
	if _, err := c.TokenInfo(ctx); err != nil {
		urlAttribute := path.Root("base_url")
		if !settings.baseURLGiven {
			urlAttribute = path.Root("region")
		}
		tokenInfoFailure(err, c.BaseURL(), urlAttribute, &resp.Diagnostics)
		return
	}
	tflog.Debug(ctx, "configured integrator.io client", map[string]any{"base_url": baseURL, "max_retries": maxRetries})

	data := newProviderData(c)
	data.defaults, data.checks = settings.checks, newHostLimiter(settings.maxChecksPerHost)
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
	fastPathConfigured(ctx, data)
}

func (p *integratorioProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewPostgresConnectionResource}
}

func (p *integratorioProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewAgentDataSource, NewAgentsDataSource, NewPostgresConnectionDataSource}
}

// EphemeralResources need Terraform 1.10+ or OpenTofu 1.11+.
func (p *integratorioProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{NewAgentTokenEphemeralResource}
}

// Actions need Terraform 1.14+.
func (p *integratorioProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{NewConnectionTestAction}
}

// ListResources (terraform query) need Terraform 1.14+.
func (p *integratorioProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{NewPostgresConnectionListResource}
}

// settingSource says where a provider setting came from, for messages.
func settingSource(v types.String, env, attribute string) string {
	if !v.IsNull() {
		return "the provider block's " + attribute
	}
	return "the " + env + " environment variable"
}
