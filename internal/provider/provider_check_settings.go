package provider

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// The provider block's settings for the connectivity checks of every connection.
const (
	envMaxChecksPerHost = "INTEGRATORIO_MAX_CHECKS_PER_HOST"
	envCheckDirect      = "INTEGRATORIO_CHECK_DIRECT"
	envCheckViaAPI      = "INTEGRATORIO_CHECK_VIA_API"
	envCheckUnverified  = "INTEGRATORIO_CHECK_ALLOW_PASSWORD_TO_UNVERIFIED_SERVER"

	// defaultMaxChecksPerHost keeps an apply of many connections well inside a small server's
	// max_connections (PostgreSQL's default is 100, small managed plans have 20 to 25).
	defaultMaxChecksPerHost = 4
	maxMaxChecksPerHost     = 50
)

func maxChecksPerHostSchema() schema.Int64Attribute {
	return schema.Int64Attribute{
		MarkdownDescription: fmt.Sprintf("How many connectivity checks may run at once against one database host and port: "+
			"direct logins and integrator.io's tests, before and after a save. An apply of many connections "+
			"(`terraform apply -parallelism=N`) otherwise opens a login per connection at once and can exhaust the server's "+
			"`max_connections`; a check that finds no free slot waits and tries again within its timeout. "+
			"1 to %d; defaults to `%d`. Falls back to the `%s` environment variable.",
			maxMaxChecksPerHost, defaultMaxChecksPerHost, envMaxChecksPerHost),
		Optional:   true,
		Validators: []validator.Int64{int64validator.Between(1, maxMaxChecksPerHost)},
	}
}

// providerCheckModel is the provider block's connectivity_check: defaults for every connection.
type providerCheckModel struct {
	Direct     types.Bool `tfsdk:"direct"`
	ViaAPI     types.Bool `tfsdk:"via_api"`
	Unverified types.Bool `tfsdk:"allow_password_to_unverified_server"`
}

// unverifiedServerDescription is the exposure the direct check guards against, and its opt-out.
const unverifiedServerDescription = "The direct check sends a password only to a server it verified, or in a way that " +
	"does not reveal it. A server is verified when `use_ssl = true` and its certificate chains to `ssl_ca` (checked even " +
	"with `ssl_verify_server_certificate = false`, which then skips only the host name) or, with " +
	"`ssl_verify_server_certificate = true` and no `ssl_ca`, to a CA this machine trusts. To any other server the password " +
	"goes only through SCRAM: over TLS, SCRAM-SHA-256-PLUS (channel binding, which also fails when someone in the middle " +
	"holds the TLS session); without TLS, SCRAM-SHA-256, which never sends the password but lets a listener see the session " +
	"and try to guess a weak password offline. A server that asks for the password in cleartext or as MD5 then gets " +
	"nothing, and the check fails, naming what to set."

func providerCheckSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Defaults for the `connectivity_check` of every connection this provider manages; a connection's " +
			"own setting wins. For a CI runner that has no route to the databases, set `connectivity_check = { direct = false }` " +
			"here (or `" + envCheckDirect + "=false` in its environment) instead of on every connection.",
		Optional: true,
		Attributes: map[string]schema.Attribute{
			"direct": schema.BoolAttribute{
				MarkdownDescription: "Default of `connectivity_check.direct`. Unset: `true` in `cloud` mode, `false` in `on_premise` mode. " +
					"Falls back to the `" + envCheckDirect + "` environment variable (`true` or `false`).",
				Optional: true,
			},
			"via_api": schema.BoolAttribute{
				MarkdownDescription: "Default of `connectivity_check.via_api`. Unset: `true`. Falls back to the `" + envCheckViaAPI +
					"` environment variable (`true` or `false`).",
				Optional: true,
			},
			"allow_password_to_unverified_server": schema.BoolAttribute{
				MarkdownDescription: unverifiedServerDescription + " Set this to `true` to let the direct check answer such a " +
					"server anyway (a legacy server with `md5` or `password` in `pg_hba.conf` that you reach over a network you " +
					"trust): the password may then go, readable or crackable, to whoever answers at `host` and `port`. " +
					"Defaults to `false`. Falls back to the `" + envCheckUnverified + "` environment variable (`true` or `false`). " +
					"integrator.io's own test (`via_api`) is not affected: integrator.io logs in from its side.",
				Optional: true,
			},
		},
	}
}

// checkDefaults are the provider-level defaults of connectivity_check; nil fields are unset.
type checkDefaults struct {
	direct, viaAPI *bool
	// allowUnverified lets the direct check send a password to a server it has not verified
	// (pgcheck.Settings.AllowPasswordToUnverifiedServer).
	allowUnverified bool
}

// checkDefaults returns the provider's defaults; none before the provider is configured.
func (d *providerData) checkDefaults() checkDefaults {
	if d == nil {
		return checkDefaults{}
	}
	return d.defaults
}

// resolveChecks reads the provider block's check settings, or their environment variables.
func resolveChecks(ctx context.Context, maxPerHost types.Int64, cc types.Object, getenv func(string) string, diags *diag.Diagnostics) (checkDefaults, int) {
	limit := int64(defaultMaxChecksPerHost)
	switch raw := strings.TrimSpace(getenv(envMaxChecksPerHost)); {
	case !maxPerHost.IsNull():
		limit = maxPerHost.ValueInt64()
	case raw != "":
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxMaxChecksPerHost {
			diags.AddAttributeError(path.Root("max_checks_per_database_host"), "Invalid Check Limit",
				fmt.Sprintf("%s=%q is not a whole number from 1 to %d.", envMaxChecksPerHost, raw, maxMaxChecksPerHost))
		}
		limit = int64(n)
	}

	var model providerCheckModel
	if !cc.IsNull() && !cc.IsUnknown() {
		diags.Append(cc.As(ctx, &model, basetypes.ObjectAsOptions{})...)
	} else {
		model = providerCheckModel{Direct: types.BoolNull(), ViaAPI: types.BoolNull(), Unverified: types.BoolNull()}
	}
	var defaults checkDefaults
	var allowUnverified *bool
	for _, s := range []struct {
		value  types.Bool
		env    string
		name   string
		target **bool
	}{
		{model.Direct, envCheckDirect, "direct", &defaults.direct},
		{model.ViaAPI, envCheckViaAPI, "via_api", &defaults.viaAPI},
		{model.Unverified, envCheckUnverified, "allow_password_to_unverified_server", &allowUnverified},
	} {
		switch raw := strings.TrimSpace(getenv(s.env)); {
		case !s.value.IsNull() && !s.value.IsUnknown():
			v := s.value.ValueBool()
			*s.target = &v
		case raw != "":
			v, err := strconv.ParseBool(raw)
			if err != nil {
				diags.AddAttributeError(path.Root("connectivity_check").AtName(s.name), "Invalid Check Setting",
					fmt.Sprintf("%s=%q is neither true nor false. Set it to true or false, or unset it.", s.env, raw))
			}
			*s.target = &v
		}
	}
	defaults.allowUnverified = allowUnverified != nil && *allowUnverified
	tflog.Debug(ctx, "connectivity check settings", map[string]any{"max_checks_per_database_host": limit,
		"allow_password_to_unverified_server": defaults.allowUnverified})
	return defaults, int(limit)
}

// hostLimiter bounds the checks running at once against each database host and port.
type hostLimiter struct {
	perHost int
	mu      sync.Mutex
	slots   map[string]chan struct{}
}

func newHostLimiter(perHost int) *hostLimiter {
	return &hostLimiter{perHost: max(perHost, 1), slots: map[string]chan struct{}{}}
}

// acquire waits for a free slot for host:port, or until ctx ends. The caller calls release.
func (l *hostLimiter) acquire(ctx context.Context, host string, port int64) (release func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	if port == 0 {
		port = defaultPort
	}
	key := net.JoinHostPort(strings.ToLower(strings.TrimSuffix(host, ".")), strconv.FormatInt(port, 10))
	l.mu.Lock()
	slots, ok := l.slots[key]
	if !ok {
		slots = make(chan struct{}, l.perHost)
		l.slots[key] = slots
	}
	l.mu.Unlock()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	default:
	}
	tflog.Debug(ctx, "waiting for a free connectivity check slot", map[string]any{"target": key, "max_checks_per_database_host": l.perHost})
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waited for one of the %d connectivity check slots of %s until the operation's timeout: %w "+
			"(lower terraform apply -parallelism, raise max_checks_per_database_host, or raise the resource's timeouts)",
			l.perHost, key, ctx.Err())
	}
}
