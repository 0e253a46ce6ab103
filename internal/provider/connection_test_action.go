package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

var (
	_ action.ActionWithConfigure      = (*connectionTestAction)(nil)
	_ action.ActionWithValidateConfig = (*connectionTestAction)(nil)
)

const defaultActionTestTimeout = 2 * time.Minute

// NewConnectionTestAction is the constructor the provider registers: the action
// integratorio_connection_test (Terraform 1.14+).
func NewConnectionTestAction() action.Action { return &connectionTestAction{} }

// connectionTestAction runs integrator.io's test of a saved connection
// (POST /connections/{id}/ping), which is also what sets or clears its offline flag.
type connectionTestAction struct {
	data *providerData
}

type connectionTestModel struct {
	ConnectionID types.String `tfsdk:"connection_id"`
	DirectCheck  types.Bool   `tfsdk:"direct_check"`
	Password     types.String `tfsdk:"password"`
	SSLCA        types.String `tfsdk:"ssl_ca"`
	Timeout      types.String `tfsdk:"timeout"`
}

func (a *connectionTestAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_connection_test"
}

func (a *connectionTestAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs integrator.io's test of a saved connection, as the UI's *Test connection* button does, " +
			"and reports whether it passed, the reason when it did not, and whether integrator.io now marks the connection " +
			"online: a passing test brings an offline connection back online, a failed one marks it offline. A failed test " +
			"fails the action. Invoke it with `terraform apply -invoke=action.integratorio_connection_test.NAME`, or run it " +
			"from a resource's `action_trigger` (for example after every update). Optionally also logs in to the database " +
			"directly from where Terraform runs (`direct_check`). Needs Terraform 1.14 or later.\n\n" +
			"Under `action_trigger`, Terraform 1.16's `on_failure` decides what a failed test does: `halt` (the default) " +
			"ends the apply with the error *Connection Test Failed* (the connection stays saved, and offline); `taint` " +
			"does the same and, after a create, marks the connection tainted, so the next apply replaces it and tests it " +
			"again (after an update Terraform taints nothing); `continue` shows the failure as a warning and the apply " +
			"completes (\"Actions: 1 invoked, 1 failed\"). Recommended: `events = [after_create, after_update]` with " +
			"`on_failure = taint`. On 1.16 the triggered action names its resource `caller.id`; 1.14 and 1.15 refuse " +
			"`caller` and take `integratorio_postgres_connection.NAME.id`.",
		Attributes: map[string]schema.Attribute{
			"connection_id": schema.StringAttribute{
				MarkdownDescription: "The id of the connection to test, such as `integratorio_postgres_connection.orders.id`. " +
					"Any connection type integrator.io can test.",
				Required:   true,
				Validators: []validator.String{ObjectIDValidator("Connection")},
			},
			"direct_check": schema.BoolAttribute{
				MarkdownDescription: "Also log in to the database from where Terraform runs, with the host, port, database, " +
					"user and SSL settings integrator.io holds and `password` (PostgreSQL connections only). Defaults to `false`.",
				Optional: true,
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "The password for `direct_check` (integrator.io never shows the saved one), from a " +
					"sensitive variable. An action's configuration is never stored in state and the provider keeps the " +
					"password out of its logs, but a plan saved with `-out` holds it, as it holds every argument of an " +
					"action: Terraform accepts neither write-only nor ephemeral values in actions. Only with `direct_check = true`.",
				Optional: true,
			},
			"ssl_ca": schema.StringAttribute{
				MarkdownDescription: "PEM text of the CA that signed the server's certificate, for `direct_check` over TLS when " +
					"integrator.io does not show the saved one. Default: public certificate authorities.",
				Optional: true,
			},
			"timeout": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("How long the test (and the direct check) may take, such as `\"30s\"`, from 1s to 10m. "+
					"Defaults to `\"%s\"`.", shortDuration(defaultActionTestTimeout)),
				Optional:   true,
				Validators: []validator.String{DurationValidator(time.Second, 10*time.Minute)},
			},
		},
	}
}

func (a *connectionTestAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *connectionTestAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var m connectionTestModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.DirectCheck.ValueBool() && !m.DirectCheck.IsUnknown() {
		for _, name := range []string{"password", "ssl_ca"} {
			v := m.Password
			if name == "ssl_ca" {
				v = m.SSLCA
			}
			if isSet(v) {
				resp.Diagnostics.AddAttributeError(path.Root(name), "Setting Used Only by the Direct Check",
					name+" is used only by the direct check, which is off. Set direct_check = true, or remove "+name+".")
			}
		}
	}
}

func (a *connectionTestAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m connectionTestModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if a.data == nil {
		resp.Diagnostics.AddError("Provider Not Configured", "The integratorio provider was not configured, so the connection cannot be tested.")
		return
	}
	timeout := defaultActionTestTimeout
	if isSet(m.Timeout) {
		timeout, _ = time.ParseDuration(m.Timeout.ValueString()) // validated
	}
	given := secrets{Password: m.Password.ValueString()}
	ctx = maskSecrets(ctx, given)
	redact := newRedactor(given)
	ctx = redact.context(ctx)
	defer func() { resp.Diagnostics = redact.diagnostics(resp.Diagnostics) }()
	id := m.ConnectionID.ValueString()
	progress := func(msg string) {
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}
	}

	before, err := a.data.client.Connections.Get(ctx, id)
	switch {
	case isNotFound(err):
		resp.Diagnostics.AddAttributeError(path.Root("connection_id"), "Connection Not Found",
			fmt.Sprintf("No connection with id %s exists in this integrator.io account, so there is nothing to test.", id))
		return
	case err != nil:
		resp.Diagnostics.AddError("Error Reading Connection", fmt.Sprintf("Could not read connection %s before testing it: %s", id, err))
		return
	}

	if m.DirectCheck.ValueBool() {
		resp.Diagnostics.Append(a.direct(ctx, before, m, timeout)...)
		if resp.Diagnostics.HasError() {
			return
		}
		progress(fmt.Sprintf("Logged in to the database of %q directly from this machine.", before.Name))
	}

	t := testSaved(ctx, a.data, id, timeout, func(ctx context.Context) error { return a.data.connections.Ping(ctx, id) })
	status := func(offline bool) string {
		switch {
		case offline:
			return "integrator.io marks it offline: flows that use it will not run until a test passes"
		case before.Offline:
			return "integrator.io marks it online again (it was offline)"
		default:
			return "integrator.io marks it online"
		}
	}
	if t.err == nil {
		msg := fmt.Sprintf("integrator.io's test of connection %q (%s) passed", before.Name, id)
		if t.offlineRead {
			msg += "; " + status(t.offline)
		}
		progress(msg + ".")
		return
	}
	kind, reason, hint := classifyTestFailure(t.err)
	detail := fmt.Sprintf("integrator.io's test of connection %q (%s) failed (%s): %s", before.Name, id, kind, reason)
	if t.offlineRead {
		detail += "\n\nAfter the test, " + status(t.offline) + "."
	}
	if hint != "" {
		detail += "\n\nHow to fix: " + hint
	}
	resp.Diagnostics.AddError("Connection Test Failed", detail)
}

// direct logs in to the connection's database from here with what integrator.io holds.
func (a *connectionTestAction) direct(ctx context.Context, doc *client.Connection, m connectionTestModel, timeout time.Duration) diag.Diagnostics {
	var diags diag.Diagnostics
	if problem := notPostgres(doc); problem != "" {
		diags.AddAttributeError(path.Root("direct_check"), "Direct Check Needs a PostgreSQL Connection",
			fmt.Sprintf("Connection %s (%q) %s: the direct check logs in to PostgreSQL only. Set direct_check = false.", doc.ID, doc.Name, problem))
		return diags
	}
	if doc.RDBMS.Password != "" && !isSet(m.Password) {
		diags.AddAttributeError(path.Root("password"), "Direct Check Needs the Password",
			fmt.Sprintf("Connection %q logs in with a password, which integrator.io never shows. Give it as password "+
				"(an ephemeral value or a sensitive variable), or set direct_check = false.", doc.Name))
		return diags
	}
	if doc.RDBMS.SSL != nil && doc.RDBMS.SSL.Key != "" {
		diags.AddAttributeError(path.Root("direct_check"), "Direct Check Cannot Use a Client Certificate",
			fmt.Sprintf("Connection %q logs in with a client certificate, whose key integrator.io never shows, so "+
				"this action cannot log in as it does. Set direct_check = false.", doc.Name))
		return diags
	}
	// The document as integrator.io holds it, with what it does not show given by the action.
	held := *doc
	db := *doc.RDBMS
	held.RDBMS = &db
	db.Password = m.Password.ValueString()
	if db.SSL != nil {
		ssl := *db.SSL
		if isSet(m.SSLCA) {
			ssl.CA = m.SSLCA.ValueString()
		} else if client.IsMasked(ssl.CA) {
			ssl.CA = "" // not shown: trust the system's certificate authorities
		}
		if client.IsMasked(ssl.Cert) {
			ssl.Cert = ""
		}
		db.SSL = &ssl
	}
	o := runDirect(ctx, &held, timeout, a.data.checkDefaults().allowUnverified)
	if o.err == nil {
		diags.Append(propertiesNotTriedWarning(o.notTried)...)
		return diags
	}
	detail := o.explanation()
	if o.timedOut() {
		detail += "The check ran out of the action's timeout: if the server is slow to answer rather than unreachable, raise timeout.\n\n"
	}
	if dependsOnWhereTerraformRuns(o.failure) {
		detail += "If the database is reachable from integrator.io but not from where Terraform runs, set direct_check = false."
	}
	diags.AddAttributeError(path.Root("direct_check"), "Direct Connectivity Check Failed", strings.TrimSpace(detail))
	return diags
}

// classifyTestFailure says what kind of failure integrator.io's test reported, its message, and
// how to fix it when the kind says.
func classifyTestFailure(err error) (kind, reason, hint string) {
	reason = apiMessage(err)
	switch {
	case errors.Is(err, client.ErrNotFound):
		return "connection not found", reason, "the connection was deleted; check connection_id."
	case errors.Is(err, client.ErrForbidden), errors.Is(err, client.ErrUnauthorized):
		return "refused to this API token", reason, "use an API token that may test connections."
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time", reason, "raise timeout, or check that the database answers."
	}
	lower := strings.ToLower(reason)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(lower, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("agent"):
		return "on-premise agent unavailable", reason, "start the agent on its host (see the integratorio_agents data source)."
	case has("password", "authentication", "28p01", "28000", "role"):
		return "login refused", reason, "check the username and password (or the client certificate) the connection holds."
	case has("certificate", "ssl", "tls", "x509"):
		return "TLS failure", reason, "check use_ssl, ssl_ca and ssl_verify_server_certificate."
	case has("database") && has("does not exist"):
		return "database not found", reason, "check the database name."
	case has("refused", "timeout", "timed out", "no such host", "enotfound", "econnrefused", "unreachable", "i/o"):
		return "database unreachable", reason, "check the host and port, and that integrator.io (or the agent) may reach them through firewalls."
	}
	return "test failed", reason, ""
}
