package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/jackc/pgerrcode"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/pgcheck"
	"github.com/integratorio/terraform-provider-integratorio/internal/tlsmaterial"
)

// The connectivity checks' timeout: its default and allowed range.
const (
	defaultCheckTimeout = 30 * time.Second
	minCheckTimeout     = time.Second
	maxCheckTimeout     = 10 * time.Minute
)

type connectivityCheckModel struct {
	Direct  types.Bool   `tfsdk:"direct"`
	ViaAPI  types.Bool   `tfsdk:"via_api"`
	Timeout types.String `tfsdk:"timeout"`
}

func connectivityCheckSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Which checks run before the connection is created or its settings change. A failed check " +
			"fails the apply and nothing is saved. An update that changes no connection setting (only `name`, say) runs none.",
		Optional: true,
		Attributes: map[string]schema.Attribute{
			"direct": schema.BoolAttribute{
				MarkdownDescription: "Log in to the database from the machine running Terraform, with the planned settings. " +
					"Defaults to `true` in `cloud` mode and `false` in `on_premise` mode (the database is behind a firewall).",
				Optional: true,
			},
			"via_api": schema.BoolAttribute{
				MarkdownDescription: "Ask integrator.io to test the unsaved connection (through the agent in `on_premise` mode). " +
					"Defaults to `true`.",
				Optional: true,
			},
			"timeout": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("How long each check may take, such as `\"30s\"` or `\"2m\"`, from `%s` to `%s`; "+
					"time-outs are retried within it, so a database created in the same apply has time to start, and refused "+
					"connections for %s at most. Defaults to `\"%s\"`. The resource's `timeouts` bound the whole operation, "+
					"checks included.", shortDuration(minCheckTimeout), shortDuration(maxCheckTimeout),
					shortDuration(pgcheck.RefusedRetryWindow), shortDuration(defaultCheckTimeout)),
				Optional:   true,
				Validators: []validator.String{DurationValidator(minCheckTimeout, maxCheckTimeout)},
			},
		},
	}
}

// checkPlan is the effective connectivity_check setting, defaults applied.
type checkPlan struct {
	direct, viaAPI bool
	timeout        time.Duration
}

// checkPlan applies, in order, the built-in defaults, the provider block's defaults and the
// connection's own connectivity_check.
func (m postgresConnectionModel) checkPlan(ctx context.Context, defaults checkDefaults) (checkPlan, diag.Diagnostics) {
	p := checkPlan{direct: !m.onPremise(), viaAPI: true, timeout: defaultCheckTimeout}
	if defaults.direct != nil {
		p.direct = *defaults.direct
	}
	if defaults.viaAPI != nil {
		p.viaAPI = *defaults.viaAPI
	}
	if m.ConnectivityCheck.IsNull() || m.ConnectivityCheck.IsUnknown() {
		return p, nil
	}
	var cc connectivityCheckModel
	diags := m.ConnectivityCheck.As(ctx, &cc, basetypes.ObjectAsOptions{})
	if !cc.Direct.IsNull() {
		p.direct = cc.Direct.ValueBool()
	}
	if !cc.ViaAPI.IsNull() {
		p.viaAPI = cc.ViaAPI.ValueBool()
	}
	if !cc.Timeout.IsNull() {
		if d, err := time.ParseDuration(cc.Timeout.ValueString()); err == nil {
			p.timeout = d
		}
	}
	return p, diags
}

// runChecks proves, before anything is saved, that the planned connection works: the agent is
// online, the database accepts the login from here, and integrator.io's own test passes.
// Both checks test doc, the document that will be saved, so they test exactly what is sent.
func (r *postgresConnectionResource) runChecks(ctx context.Context, m postgresConnectionModel, doc *client.Connection) diag.Diagnostics {
	var diags diag.Diagnostics
	plan, d := m.checkPlan(ctx, r.data.checkDefaults())
	diags.Append(d...)
	if diags.HasError() || (!plan.direct && !plan.viaAPI) {
		return diags
	}
	if m.onPremise() {
		diags.Append(r.checkAgent(ctx, m.AgentID.ValueString())...)
		if diags.HasError() {
			return diags
		}
	}
	// Each check logs in to the database: bound how many run at once against one server, so
	// that an apply of many connections does not exhaust its connection slots.
	release, err := r.data.checks.acquire(ctx, m.Host.ValueString(), m.Port.ValueInt64())
	if err != nil {
		diags.AddError("Connectivity Check Not Started", fmt.Sprintf("Connection %q was not checked: %s. Nothing was created or changed.",
			m.Name.ValueString(), err))
		return diags
	}
	defer release()
	blame := newCheckBlame(ctx, m, plan)
	if plan.direct {
		diags.Append(directCheck(ctx, doc, plan.timeout, r.data.checkDefaults().allowUnverified, blame)...)
		if diags.HasError() {
			return diags
		}
	}
	if plan.viaAPI {
		diags.Append(r.apiCheck(ctx, doc, plan.timeout, blame)...)
	}
	return diags
}

func (r *postgresConnectionResource) checkAgent(ctx context.Context, id string) diag.Diagnostics {
	var diags diag.Diagnostics
	agent, err := r.data.client.Agents.Get(ctx, id)
	switch {
	case err != nil:
		agentError(&diags, err, agentCall{
			at:    path.Root("agent_id"),
			doing: "read agent " + id,
			notFound: fmt.Sprintf("No on-premise agent with id %s exists in this integrator.io account. Look the agent up with the "+
				"integratorio_agent data source, or create one in integrator.io under Resources → Agents. Nothing was saved.", id),
			context: "Before saving an on-premise connection the provider checks that its agent is online, but ",
			advice: "\n\nNothing was saved. To save the connection with this token anyway, without any check, set " +
				"connectivity_check = { via_api = false, direct = false }.",
			failed: "Cannot Check Agent",
		})
	case agent.Offline:
		diags.AddAttributeError(path.Root("agent_id"), "Agent Offline",
			fmt.Sprintf("Agent %q (%s) is offline: %s. integrator.io reaches on-premise databases only through a running agent. "+
				"Start the agent on its host (or pick another agent) and apply again; nothing was saved. To save the connection "+
				"anyway, set connectivity_check = { via_api = false, direct = false }.", agent.Name, agent.ID, lastSeen(agent.LastHeartbeatAt)))
	}
	return diags
}

// directSettings is what a direct login with the settings of a connection document uses. SSL is
// on as the document asks (client.RDBMS.SSLOn).
func directSettings(doc *client.Connection, timeout time.Duration) pgcheck.Settings {
	db := doc.RDBMS
	settings := pgcheck.Settings{
		Host:                    db.Host,
		Port:                    int(db.Port),
		Database:                db.Database,
		User:                    db.User,
		Password:                db.Password,
		UseSSL:                  db.SSLOn(),
		VerifyServerCertificate: !db.DisableStrictSSL,
		Timeout:                 timeout,
	}
	if settings.Port == 0 {
		settings.Port = defaultPort
	}
	if db.SSL != nil {
		settings.SSL = tlsmaterial.Material{CA: db.SSL.CA, Cert: db.SSL.Cert, Key: db.SSL.Key, Passphrase: db.SSL.Passphrase}
	}
	if len(db.Options) > 0 {
		settings.Options = make(map[string]string, len(db.Options))
		for _, o := range db.Options {
			settings.Options[o.Name] = o.Value
		}
	}
	return settings
}

// directOutcome is what a direct login with a connection's settings found. It holds facts only:
// the resource (directCheck) and the connection test action word their own diagnostics from it.
type directOutcome struct {
	target   string           // host:port (database, user), as the diagnostics name it
	err      error            // nil when the login worked
	failure  *pgcheck.Failure // err as pgcheck classified it; nil when it did not
	notTried []pgcheck.NotTried
}

// runDirect logs in to PostgreSQL from here with the settings of doc, and logs the outcome.
// allowUnverified is the provider's allow_password_to_unverified_server.
func runDirect(ctx context.Context, doc *client.Connection, timeout time.Duration, allowUnverified bool) directOutcome {
	settings := directSettings(doc, timeout)
	settings.AllowPasswordToUnverifiedServer = allowUnverified
	o := directOutcome{target: fmt.Sprintf("%s:%d (database %q, user %q)", settings.Host, settings.Port, settings.Database, settings.User)}
	start := time.Now()
	res, err := pgcheck.Check(ctx, settings)
	fields := map[string]any{"check": "direct", "target": o.target, "duration_ms": time.Since(start).Milliseconds()}
	if err != nil {
		fields["error"] = err.Error()
		tflog.Warn(ctx, "connectivity check failed", fields)
		o.err = err
		errors.As(err, &o.failure)
		return o
	}
	fields["tls"], fields["server_version"], fields["attempts"] = res.TLS, res.ServerVersion, res.Attempts
	tflog.Info(ctx, "connectivity check passed", fields)
	o.notTried = res.NotTried
	return o
}

// explanation says what failed and how to fix it, in words that fit every caller: what the
// failure means for the caller's operation, and how to skip the check, are the caller's to add.
func (o directOutcome) explanation() string {
	reason, hint := o.err.Error(), ""
	if o.failure != nil {
		reason, hint = o.failure.Message, o.failure.Hint
	}
	text := fmt.Sprintf("Terraform could not log in to PostgreSQL at %s from this machine: %s\n\n", o.target, reason)
	if hint != "" {
		text += "How to fix: " + hint + "\n\n"
	}
	if o.failure != nil && o.failure.Kind == pgcheck.KindTooManyConnections {
		text += "Applying many connections to one server at once opens a login for each: apply with a lower " +
			"-parallelism (such as terraform apply -parallelism=4), or lower max_checks_per_database_host in the provider block.\n\n"
	}
	return text
}

// timedOut reports whether the login ran out of time.
func (o directOutcome) timedOut() bool {
	return o.failure != nil && o.failure.Kind == pgcheck.KindTimeout
}

// directCheck is the resource's direct check before a save: an error that says nothing was saved
// and, for failures that depend on where Terraform runs, how to skip the check. With a blame, a
// failure that is one attribute's is reported on that attribute.
func directCheck(ctx context.Context, doc *client.Connection, timeout time.Duration, allowUnverified bool, blame *checkBlame) diag.Diagnostics {
	var diags diag.Diagnostics
	o := runDirect(ctx, doc, timeout, allowUnverified)
	if o.err == nil {
		diags.Append(propertiesNotTriedWarning(o.notTried)...)
		return diags
	}
	detail := o.explanation()
	if o.timedOut() {
		detail += blame.timeoutAdvice()
	}
	detail += "Nothing was created or changed."
	if dependsOnWhereTerraformRuns(o.failure) {
		detail += " If the database is reachable from integrator.io but not from where " +
			"Terraform runs, skip this check with connectivity_check = { direct = false }."
	}
	if blame != nil {
		detail = nameWriteOnly(detail, blame.writeOnly)
	}
	if at, ok := blame.attribute(o.failure); ok {
		diags.AddAttributeError(at, "Direct Connectivity Check Failed", detail)
		return diags
	}
	diags.AddError("Direct Connectivity Check Failed", detail)
	return diags
}

// propertiesNotTriedWarning names the properties the direct check could not apply. They are
// integrator.io's driver options, whose names are the driver's: one the check does not know is
// sent to integrator.io as given, never refused.
func propertiesNotTriedWarning(notTried []pgcheck.NotTried) diag.Diagnostics {
	var diags diag.Diagnostics
	if len(notTried) == 0 {
		return diags
	}
	lines := make([]string, len(notTried))
	for i, n := range notTried {
		lines[i] = fmt.Sprintf("  - %q: %s", n.Name, n.Reason)
	}
	diags.AddAttributeWarning(path.Root("properties"), "Properties Not Tried by the Direct Check",
		"properties are integrator.io's driver options. The direct check logged in without these, so it did not prove "+
			"that they work:\n"+strings.Join(lines, "\n")+"\n\nThey are saved in integrator.io as given. The check applies connect "+
			"timeouts (connectTimeout, connect_timeout, loginTimeout, connectionTimeoutMillis) and PostgreSQL run-time parameters "+
			"(such as application_name, statement_timeout, search_path).")
	return diags
}

// slotsHint advises on a test that found the database out of connection slots (PostgreSQL's
// "too many clients" or "remaining connection slots are reserved", as pgcheck's "no free
// connection slot"): a bulk apply is the usual cause.
func slotsHint(reason string) string {
	for _, sign := range []string{"no free connection slot", "too many clients", "remaining connection slots are reserved", pgerrcode.TooManyConnections} {
		if strings.Contains(reason, sign) {
			return "The database had no free connection slot. Applying many connections to one server at once opens a " +
				"login for each: apply with a lower -parallelism (such as terraform apply -parallelism=4), or lower " +
				"max_checks_per_database_host in the provider block.\n\n"
		}
	}
	return ""
}

// dependsOnWhereTerraformRuns reports a failure that integrator.io might not meet: the network
// path (DNS, refusals, no answer), this machine's trust of the server certificate, or a
// pg_hba.conf rule for this machine's address. Skipping the direct check can only help with those;
// a wrong password or database fails for integrator.io too.
func dependsOnWhereTerraformRuns(f *pgcheck.Failure) bool {
	if f == nil {
		return false
	}
	switch f.Kind {
	case pgcheck.KindDNS, pgcheck.KindRefused, pgcheck.KindTimeout, pgcheck.KindServerCertificate:
		return true
	case pgcheck.KindAuthentication:
		return f.SQLState == pgerrcode.InvalidAuthorizationSpecification && strings.Contains(f.Message, "pg_hba.conf")
	}
	return false
}

func (r *postgresConnectionResource) apiCheck(ctx context.Context, doc *client.Connection, timeout time.Duration, blame *checkBlame) diag.Diagnostics {
	var diags diag.Diagnostics
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	err := r.data.client.Connections.PingUnsaved(ctx, doc)
	fields := map[string]any{"check": "via_api", "duration_ms": time.Since(start).Milliseconds()}
	if err != nil {
		fields["error"] = err.Error()
		tflog.Warn(ctx, "connectivity check failed", fields)
		var wo map[string]string
		if blame != nil {
			wo = blame.writeOnly
		}
		if rejectedFieldsAs(err, doc.Name, wo, &diags) {
			return diags // the document itself was refused, not the connection
		}
		reason := apiMessage(err)
		if errors.Is(err, context.DeadlineExceeded) && blame != nil {
			diags.AddAttributeError(blame.timeoutAttribute(), "integrator.io Connection Test Failed",
				fmt.Sprintf("integrator.io did not finish testing connection %q before saving it: %s\n\n%s"+
					"Nothing was created or changed.", doc.Name, reason, blame.timeoutAdvice()))
			return diags
		}
		diags.AddError("integrator.io Connection Test Failed",
			fmt.Sprintf("integrator.io tested connection %q before saving it and reported: %s\n\n%s"+
				"Nothing was created or changed. Check the host, port, credentials and SSL settings as integrator.io "+
				"(or, on-premise, the agent) sees them. To save the connection without this test, set "+
				"connectivity_check = { via_api = false }.", doc.Name, reason, slotsHint(reason)))
		return diags
	}
	tflog.Info(ctx, "connectivity check passed", fields)
	return diags
}

// notConnectionSettings are the attributes that do not decide whether a connection works. Every
// other attribute does (TestConnectionSettingsChanged holds this list to the schema), so a new
// attribute is checked unless it is named here.
var notConnectionSettings = map[string]string{
	"id":                         "set by integrator.io",
	"name":                       "a label",
	"offline":                    "set by integrator.io's test",
	"concurrency_level":          "how many requests run at once, not whether they work",
	"concurrency_level_in_force": "set by integrator.io",
	"borrow_concurrency_from":    "how many requests run at once, not whether they work",
	"connectivity_check":         "which checks run, not what they check",
	"timeouts":                   "how long Terraform waits",
	"password_wo":                "write-only: always null in plan and state; password_wo_version says when it changes",
	"ssl_key_wo":                 "write-only: ssl_key_wo_version says when it changes",
	"ssl_passphrase_wo":          "write-only: ssl_key_wo_version says when it changes",
}

// connectionSettingsChanged reports whether an update touches anything that decides whether the
// connection works; a rename alone runs no check.
func connectionSettingsChanged(plan, state postgresConnectionModel) bool {
	before := state.attributes()
	for name, v := range plan.attributes() {
		if _, skip := notConnectionSettings[name]; !skip && !v.Equal(before[name]) {
			return true
		}
	}
	return false
}

// savedTest is what integrator.io's test of a saved connection found. It holds facts only: the
// resource (testSavedConnection) and the connection test action word their own diagnostics.
type savedTest struct {
	err         error // nil when the test passed
	offline     bool  // the flag the test left
	offlineRead bool  // whether offline was read back after the test (false: the read failed)
}

// testSaved runs integrator.io's test of saved connection id (ping runs it, after taking whatever
// slot the caller needs) and tells the offline flag it left: the test, not a save, sets or clears
// it. A passing test clears it; after a failed test or none at all (a time-out, a refused token)
// the flag is read back, as integrator.io now holds it. ping goes through data.connections, which
// drops its cached listing, as the test may have changed the flag.
func testSaved(ctx context.Context, data *providerData, id string, timeout time.Duration, ping func(context.Context) error) savedTest {
	testCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	var t savedTest
	t.err = ping(testCtx)
	fields := map[string]any{"id": id, "passed": t.err == nil, "duration_ms": time.Since(start).Milliseconds()}
	if t.err != nil {
		fields["error"] = t.err.Error()
	}
	tflog.Info(ctx, "integrator.io's test of a saved connection", fields)

	if t.err == nil {
		t.offlineRead = true // a passing test clears the flag (integratorio-api.md, offline)
		return t
	}
	readCtx, cancelRead := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancelRead()
	if current, err := data.client.Connections.Get(readCtx, id); err == nil {
		t.offline, t.offlineRead = current.Offline, true
	}
	return t
}

// testSavedConnection runs integrator.io's test of the saved connection, as the integrator.io UI
// does after every save, and returns the offline flag it left. A failed test does not undo the
// save (the connection exists and goes into state), so it is a warning that says whether the
// connection is offline.
func (r *postgresConnectionResource) testSavedConnection(ctx context.Context, saved *client.Connection, timeout time.Duration) (offline bool, diags diag.Diagnostics) {
	t := testSaved(ctx, r.data, saved.ID, timeout, func(ctx context.Context) error {
		if saved.RDBMS != nil {
			release, err := r.data.checks.acquire(ctx, saved.RDBMS.Host, int64(saved.RDBMS.Port))
			if err != nil {
				return err
			}
			defer release()
		}
		return r.data.connections.Ping(ctx, saved.ID)
	})
	offline = saved.Offline
	if t.offlineRead {
		offline = t.offline
	}
	if t.err == nil {
		return offline, nil
	}
	status := "integrator.io marks it offline: flows that use it will not run until a test passes."
	if !offline {
		status = "integrator.io does not mark it offline."
	}
	diags.AddAttributeWarning(path.Root("offline"), "Connection Saved but integrator.io's Test of It Failed",
		fmt.Sprintf("Connection %q (%s) was saved. integrator.io's test of the saved connection then reported: %s\n\n%s "+
			"Fix the cause and apply again, or test the connection in integrator.io.", saved.Name, saved.ID, apiMessage(t.err), status))
	return offline, diags
}

// testsAfterUpdate reports whether an update tests the saved connection: when integrator.io's
// tests are on (via_api) and the update changes a connection setting or the connection is offline
// (the test is what brings it back online). planOffline relies on the same rule.
func testsAfterUpdate(checks checkPlan, settingsChanged bool, state postgresConnectionModel) bool {
	return checks.viaAPI && (settingsChanged || state.Offline.ValueBool())
}
