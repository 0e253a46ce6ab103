package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

var (
	_ resource.ResourceWithConfigure      = (*postgresConnectionResource)(nil)
	_ resource.ResourceWithImportState    = (*postgresConnectionResource)(nil)
	_ resource.ResourceWithValidateConfig = (*postgresConnectionResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*postgresConnectionResource)(nil)
)

const (
	defaultCreateTimeout = 5 * time.Minute
	defaultUpdateTimeout = 5 * time.Minute
	defaultDeleteTimeout = 2 * time.Minute
)

// NewPostgresConnectionResource is the constructor the provider registers.
func NewPostgresConnectionResource() resource.Resource { return &postgresConnectionResource{} }

type postgresConnectionResource struct {
	data *providerData
}

func (r *postgresConnectionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_postgres_connection"
}

func (r *postgresConnectionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: connectionSchemaVersion, // see postgres_connection_upgrade.go
		MarkdownDescription: "A PostgreSQL connection in integrator.io: how integrator.io reaches a PostgreSQL database, " +
			"directly over the internet (`mode = \"cloud\"`) or through an on-premise agent (`mode = \"on_premise\"`). " +
			"Before anything is saved, the provider checks that the database can be reached and logged into " +
			"(see `connectivity_check`), so an apply that succeeds leaves a connection that works.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The connection's integrator.io id (24 hexadecimal characters).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The connection's name as integrator.io shows it: 1 to 100 characters, without control characters (NUL, line breaks, tabs).",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 100), NoControlCharactersValidator("name")},
			},
			"mode": schema.StringAttribute{
				MarkdownDescription: "How integrator.io reaches the database: " + quotedList(connectionModes) + ". " +
					"`\"cloud\"` (the default) when the database is reachable from the internet; `\"on_premise\"` when it is " +
					"behind a firewall and reached through the agent named by `agent_id`. Changes in place.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(modeCloud),
				Validators: []validator.String{OneOfValidator("Invalid Connection Mode", "mode", connectionModes, false)},
			},
			"agent_id": schema.StringAttribute{
				MarkdownDescription: "The id of the on-premise agent that reaches the database. Required when `mode = \"on_premise\"`, " +
					"not allowed otherwise. Look it up with the `integratorio_agent` data source.",
				Optional:   true,
				Validators: []validator.String{ObjectIDValidator("Agent")},
			},
			"host": schema.StringAttribute{
				MarkdownDescription: "The database server's host name or IP address (IPv4 or IPv6), without scheme, port, user or path.",
				Required:            true,
				Validators:          []validator.String{HostValidator()},
			},
			"port": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("The database server's TCP port, 1 to 65535. Defaults to `%d`.", defaultPort),
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(defaultPort),
				Validators:          []validator.Int64{int64validator.Between(1, 65535)},
			},
			"database": schema.StringAttribute{
				MarkdownDescription: "The name of the database to connect to. Control characters (NUL, line breaks, tabs) are refused at plan.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1), NoControlCharactersValidator("database")},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "The PostgreSQL user to log in as. Control characters (NUL, line breaks, tabs) are refused at plan.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1), NoControlCharactersValidator("username")},
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "The user's password. Stored in Terraform state (marked sensitive); use `password_wo` to keep it out of state. " +
					"Exactly one of `password` and `password_wo` is required, unless the user logs in with a client certificate " +
					"and `ssl_ca`, `ssl_certificate` and `ssl_key` are all set (integrator.io waives the password only then).",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"password_wo": schema.StringAttribute{
				MarkdownDescription: "The user's password, write-only: sent to integrator.io but never stored in state or plan " +
					"(Terraform 1.11 or later). Changing it alone does nothing: bump `password_wo_version` to send the new value.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1), stringvalidator.ConflictsWith(path.MatchRoot("password"))},
			},
			"password_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Any number; change it to send `password_wo` again (to rotate the password). Only with `password_wo`.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("password_wo"))},
			},
			"use_ssl": schema.BoolAttribute{
				MarkdownDescription: "Connect over TLS. Defaults to `false`. With no `ssl_ca`, the server's certificate is checked " +
					"against public certificate authorities. Sent as integrator.io's `rdbms.useSSL` (the form's *Use SSL* box) with " +
					"every save, and read back from it when integrator.io shows it. Without TLS the direct check sends a password only " +
					"through SCRAM-SHA-256, never in cleartext or as MD5: see the provider's " +
					"`connectivity_check.allow_password_to_unverified_server`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"ssl_ca": schema.StringAttribute{
				MarkdownDescription: "PEM text of the certificate authority (one or more certificates) that signed the server's " +
					"certificate, for example `file(\"ca.pem\")`. Only with `use_ssl = true`. At most 256 KiB, like every PEM setting.",
				Optional: true,
			},
			"ssl_certificate": schema.StringAttribute{
				MarkdownDescription: "PEM text of the client certificate chain, for certificate login (leaf first). Requires `ssl_key`. " +
					"Only with `use_ssl = true`.",
				Optional: true,
			},
			"ssl_key": schema.StringAttribute{
				MarkdownDescription: "PEM text of the client certificate's private key: PKCS#1, PKCS#8 or EC, plain or encrypted " +
					"(then set `ssl_passphrase`); RSA, ECDSA (P-256, P-384, P-521) or Ed25519 (DSA, Ed448, X448 and other curves are " +
					"refused, naming the type). Must match `ssl_certificate`. Stored in state, marked sensitive.",
				Optional:  true,
				Sensitive: true,
			},
			"ssl_passphrase": schema.StringAttribute{
				MarkdownDescription: "The passphrase that decrypts `ssl_key`. Only with an encrypted `ssl_key`. Stored in state, marked sensitive.",
				Optional:            true,
				Sensitive:           true,
			},
			"ssl_key_wo": schema.StringAttribute{
				MarkdownDescription: "Write-only `ssl_key`: sent to integrator.io but never stored in state or plan (Terraform 1.11 " +
					"or later). Bump `ssl_key_wo_version` to send a new value. Conflicts with `ssl_key`.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{stringvalidator.ConflictsWith(path.MatchRoot("ssl_key"))},
			},
			"ssl_passphrase_wo": schema.StringAttribute{
				MarkdownDescription: "Write-only `ssl_passphrase`, for a write-only or stored `ssl_key`. Never stored in state or plan. " +
					"Conflicts with `ssl_passphrase`.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{stringvalidator.ConflictsWith(path.MatchRoot("ssl_passphrase"))},
			},
			"ssl_key_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Any number; change it to send `ssl_key_wo` and `ssl_passphrase_wo` again (to rotate the client key). " +
					"Only with `ssl_key_wo`.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("ssl_key_wo"))},
			},
			"ssl_verify_server_certificate": schema.BoolAttribute{
				MarkdownDescription: "Check the server's certificate and host name. Defaults to `true` with `use_ssl = true`; " +
					"`false` accepts any certificate (encryption without authentication). Only with `use_ssl = true`; null without it. " +
					"The direct check from this machine still checks the chain against `ssl_ca` when it is given (only the host name " +
					"is skipped), and sends a password to a server it did not verify only through SCRAM with channel binding: see " +
					"the provider's `connectivity_check.allow_password_to_unverified_server`.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.Bool{verifyFollowsUseSSL()},
			},
			"concurrency_level": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many requests integrator.io may run against the database at once, 1 to 50. "+
					"Defaults to `%d` unless `borrow_concurrency_from` is set (then it is null: the lender's level applies). "+
					"Accounts without the larger licence are capped at %d: integrator.io quietly lowers a higher level.",
					defaultConcurrencyLevel, standardConcurrencyCap),
				Optional: true,
				Computed: true,
				Validators: []validator.Int64{
					int64validator.Between(1, extendedConcurrencyCap),
					int64validator.ConflictsWith(path.MatchRoot("borrow_concurrency_from")),
				},
			},
			"concurrency_level_in_force": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("The concurrency level integrator.io applies, as it reports it: `concurrency_level`, "+
					"or less when the account's licence caps it (integrator.io quietly lowers a level above the licence, such as 35 to %d). "+
					"Null when the connection borrows another's limit. Set by integrator.io.", standardConcurrencyCap),
				Computed: true,
			},
			"borrow_concurrency_from": schema.StringAttribute{
				MarkdownDescription: "The id of another connection whose concurrency limit this one shares, so that several " +
					"connections together stay within one limit. Conflicts with `concurrency_level`.",
				Optional:   true,
				Validators: []validator.String{ObjectIDValidator("Connection")},
			},
			"properties": schema.MapAttribute{
				MarkdownDescription: "Additional driver connection options that integrator.io uses when it connects (its " +
					"`rdbms.options`), such as a connection timeout or an application name, as in Celigo's example " +
					"`{ connectTimeout = \"30\", application_name = \"orders-sync\" }`. Names are those of integrator.io's " +
					"database driver and are never refused, except connection settings that another attribute owns (`host`, " +
					"`port`, `dbname`, `user`, `password`, `sslmode`, `sslcert`, `sslkey`, `sslrootcert`, `sslpassword`, ...), " +
					"which are refused at plan, as are control characters (NUL, line breaks, tabs) in keys and values. The direct check applies what it can try from where Terraform runs: a connect " +
					"timeout (`connectTimeout`, `connect_timeout` or `loginTimeout` in seconds, `connectionTimeoutMillis` in " +
					"milliseconds) bounds each login, `ApplicationName` and `currentSchema` are read as `application_name` and " +
					"`search_path`, and every other name is set as a PostgreSQL run-time parameter (such as `statement_timeout` " +
					"or `search_path`). A name PostgreSQL does not know, or will not set in a session, is not tried, with a " +
					"warning naming it; a value PostgreSQL refuses for a parameter it knows fails the check.",
				ElementType: types.StringType,
				Optional:    true,
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.LengthAtLeast(1), NoControlCharactersValidator("properties key")),
					mapvalidator.ValueStringsAre(NoControlCharactersValidator(valueOfPath)),
					PropertiesValidator(),
				},
			},
			"offline": schema.BoolAttribute{
				MarkdownDescription: "Whether integrator.io holds this connection as offline. integrator.io sets it, never " +
					"Terraform: it marks a connection offline on any failure to connect (a failed test or a failed flow), and " +
					"brings it back online on a clean save, a passing test, or its background re-test of offline connections " +
					"(several times an hour). So it can change between any two refreshes, and a refresh shows it. The provider " +
					"tests the connection after every create (as the UI does), and also after an update that changes a " +
					"connection setting or of an offline connection (the UI does not: there the test makes `offline` in state " +
					"say whether the new settings work); a failed test is a warning (the connection is saved) and leaves " +
					"`offline = true`. With `connectivity_check = { via_api = false }` no test runs, and the flag stays as " +
					"integrator.io holds it.",
				Computed: true,
			},
			"connectivity_check": connectivityCheckSchema(),
			"timeouts":           timeoutsSchema(ctx),
		},
	}
}

func (r *postgresConnectionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *postgresConnectionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, diags := getModel(ctx, req.Plan)
	resp.Diagnostics.Append(diags...)
	config, diags := getModel(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s := secretsFrom(plan, config)
	ctx = maskSecrets(ctx, s)
	redact := newRedactor(s)
	ctx = redact.context(ctx)
	defer func() { resp.Diagnostics = redact.diagnostics(resp.Diagnostics) }()
	doc, diags := plan.toDocument(ctx, s)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	resp.Diagnostics.Append(r.runChecks(ctx, plan, doc)...)
	if resp.Diagnostics.HasError() {
		return // nothing was saved
	}

	created, warnings, err := r.create(ctx, doc)
	resp.Diagnostics.Append(warnings...)
	if err != nil && rejectedFieldsAs(err, plan.Name.ValueString(), config.writeOnlyInUse(), &resp.Diagnostics) {
		return
	}
	if unproven := (*unprovenCreateError)(nil); errors.As(err, &unproven) {
		resp.Diagnostics.AddError("Connection Possibly Created, Not Adopted", unproven.detail())
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error Creating PostgreSQL Connection",
			fmt.Sprintf("integrator.io did not create connection %q: %s", plan.Name.ValueString(), err))
		return
	}

	state := plan
	state.ID = types.StringValue(created.ID)
	state.Offline = types.BoolValue(created.Offline)
	if checks, _ := plan.checkPlan(ctx, r.data.checkDefaults()); checks.viaAPI {
		offline, diags := r.testSavedConnection(ctx, created, checks.timeout)
		resp.Diagnostics.Append(diags...)
		state.Offline = types.BoolValue(offline)
	}
	state.ConcurrencyLevelInForce = levelInForce(created)
	resp.Diagnostics.Append(concurrencyWarning(plan, created)...)
	resp.Diagnostics.Append(recordSavedFacts(ctx, resp.Private, doc, created)...)
	resp.Diagnostics.Append(recordLastSeen(ctx, resp.Private, created)...)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, state)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, created.ID)...)
	tflog.Info(ctx, "created PostgreSQL connection", map[string]any{"id": created.ID})
}

func (r *postgresConnectionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, diags := getModel(ctx, req.State)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	read := r.readConnection(ctx, state, readSavedFacts(ctx, req.Private))
	resp.Diagnostics.Append(read.diags...)
	switch {
	case read.gone:
		// The framework wants an identity after every Read without errors, also one that removes
		// the resource ("Missing Resource Identity After Read" otherwise).
		resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, read.id)...)
		resp.State.RemoveResource(ctx)
		return
	case resp.Diagnostics.HasError():
		return
	}
	resp.Diagnostics.Append(setModel(ctx, &resp.State, read.next)...)
	resp.Diagnostics.Append(recordLastSeen(ctx, resp.Private, read.doc)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, read.id)...)
}

// readResult is what a Read found: the connection gone, an error (in diags), or the next state
// and the document it came from. Read and the refresh fast path (postgres_connection_refresh_fast_path.go) both
// answer from it.
type readResult struct {
	id    string
	gone  bool
	doc   *client.Connection
	next  postgresConnectionModel
	diags diag.Diagnostics
}

// readConnection reads the connection state names from integrator.io: the work of Read between
// decoding the state and encoding the answer.
func (r *postgresConnectionResource) readConnection(ctx context.Context, state postgresConnectionModel, saved savedFacts) readResult {
	res := readResult{id: state.ID.ValueString()}
	doc, err := r.data.fastVerify.fetch(ctx, r.data.connections, res.id)
	if isNotFound(err) {
		tflog.Warn(ctx, "connection no longer exists in integrator.io; removing it from state", map[string]any{"id": res.id})
		res.gone = true
		return res
	}
	if err != nil {
		res.diags.AddError("Error Reading PostgreSQL Connection",
			fmt.Sprintf("Could not read connection %s from integrator.io: %s", res.id, err))
		return res
	}
	if problem := notPostgres(doc); problem != "" {
		// Right after an import, state holds only the id (name is required otherwise): nothing
		// was imported then, so there is nothing to remove.
		next := "Check the id: nothing was imported."
		if !state.Name.IsNull() {
			next = "Check the id; if it was imported by mistake, remove it from state with terraform state rm."
		}
		res.diags.AddError("Not a PostgreSQL Connection",
			fmt.Sprintf("Connection %s (%q) %s, so integratorio_postgres_connection cannot manage it. %s", res.id, doc.Name, problem, next))
		return res
	}
	warnUnmaskedSecrets(doc, &res.diags)
	res.doc = doc
	res.next = fromDocument(doc, state, saved)
	r.lenderGoneWarning(ctx, doc, &res.diags)
	return res
}

func (r *postgresConnectionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, diags := getModel(ctx, req.Plan)
	resp.Diagnostics.Append(diags...)
	state, diags := getModel(ctx, req.State)
	resp.Diagnostics.Append(diags...)
	config, diags := getModel(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	id := state.ID.ValueString()
	if plan.BorrowConcurrencyFrom.ValueString() == id {
		resp.Diagnostics.AddAttributeError(path.Root("borrow_concurrency_from"), "Connection Cannot Borrow From Itself",
			fmt.Sprintf("borrow_concurrency_from is this connection's own id (%s). Name another connection, or set concurrency_level instead.", id))
		return
	}

	s := secretsFrom(plan, config)
	ctx = maskSecrets(ctx, s)
	redact := newRedactor(s)
	ctx = redact.context(ctx)
	defer func() { resp.Diagnostics = redact.diagnostics(resp.Diagnostics) }()
	doc, diags := plan.toDocument(ctx, s)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.keepUnmanagedFields(ctx, id, doc, readLastSeen(ctx, req.Private))...)
	if resp.Diagnostics.HasError() {
		return
	}
	settingsChanged := connectionSettingsChanged(plan, state)
	if settingsChanged {
		resp.Diagnostics.Append(r.runChecks(ctx, plan, doc)...)
		if resp.Diagnostics.HasError() {
			return // nothing was changed
		}
	} else {
		tflog.Debug(ctx, "no connection setting changed; skipping connectivity checks", map[string]any{"id": id})
	}

	updated, err := r.data.connections.Replace(ctx, id, doc)
	if err != nil && rejectedFieldsAs(err, plan.Name.ValueString(), config.writeOnlyInUse(), &resp.Diagnostics) {
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error Updating PostgreSQL Connection",
			fmt.Sprintf("integrator.io did not update connection %s: %s", id, err))
		return
	}

	next := plan
	next.ID = types.StringValue(id)
	if next.Offline.IsUnknown() {
		next.Offline = types.BoolValue(updated.Offline)
	}
	if checks, _ := plan.checkPlan(ctx, r.data.checkDefaults()); testsAfterUpdate(checks, settingsChanged, state) {
		offline, diags := r.testSavedConnection(ctx, updated, checks.timeout)
		resp.Diagnostics.Append(diags...)
		next.Offline = types.BoolValue(offline)
	}
	next.ConcurrencyLevelInForce = levelInForce(updated)
	resp.Diagnostics.Append(concurrencyWarning(plan, updated)...)
	resp.Diagnostics.Append(recordSavedFacts(ctx, resp.Private, doc, updated)...)
	resp.Diagnostics.Append(recordLastSeen(ctx, resp.Private, updated)...)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, next)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, id)...)
}

func (r *postgresConnectionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, diags := getModel(ctx, req.State)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	id := state.ID.ValueString()
	err := r.data.connections.Delete(ctx, id)
	if err != nil && !isNotFound(err) {
		resp.Diagnostics.AddError("Error Deleting PostgreSQL Connection",
			fmt.Sprintf("integrator.io did not delete connection %s: %s", id, err))
	}
}

func (r *postgresConnectionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, diags := importID(ctx, req)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, id)...)
}

// keepUnmanagedFields makes doc, the document an update will PUT, keep what integrator.io holds
// beyond the attributes Terraform manages (debug settings, integration ownership, fields added
// later): a PUT replaces the whole document. It reads the connection first: from the refresh's
// listing when that is fresh and no write has happened since, else with one GET.
func (r *postgresConnectionResource) keepUnmanagedFields(ctx context.Context, id string, doc *client.Connection, lastSeen string) diag.Diagnostics {
	var diags diag.Diagnostics
	// Read by id right before the PUT, as the UI does, never from a listing: a listing can be
	// seconds old, and the service promises only "the full default record" in lists.
	current, err := r.data.client.Connections.Get(ctx, id)
	switch {
	case isNotFound(err):
		diags.AddError("Connection Deleted Outside Terraform",
			fmt.Sprintf("Connection %s no longer exists in integrator.io, so it cannot be updated. Nothing was changed. "+
				"Run terraform apply again: its refresh sees the deletion and plans to create the connection anew.", id))
		return diags
	case err != nil:
		diags.AddError("Error Updating PostgreSQL Connection",
			fmt.Sprintf("Could not read connection %s before updating it: %s\n\nNothing was changed. An update replaces the "+
				"whole document, so the provider reads it first to keep the fields Terraform does not manage.", id, err))
		return diags
	}
	if now := lastModifiedText(current); lastSeen != "" && now != "" && now != lastSeen {
		by := ""
		if current.LastModifiedBy != "" {
			by = fmt.Sprintf(" by user %s", current.LastModifiedBy)
		}
		diags.AddWarning("Connection Changed in integrator.io Since the Plan",
			fmt.Sprintf("Connection %s was changed in integrator.io%s (last modified %s) after Terraform last read it "+
				"(last modified %s). The update goes ahead as planned: the settings Terraform manages are set as in the plan, "+
				"and the fields Terraform does not manage keep their newest values. Run terraform plan to compare the result "+
				"with the configuration.", id, by, now, lastSeen))
	}
	if masked := doc.KeepUnmodelledFields(current); len(masked) > 0 {
		diags.AddWarning("Masked Fields Cleared by the Update",
			fmt.Sprintf("Connection %s holds fields that Terraform does not manage and integrator.io returns masked: %s. "+
				"The provider cannot send back a value it cannot read, so this update clears them (an update replaces the "+
				"whole document). Set them again in integrator.io if they are needed.", id, strings.Join(masked, ", ")))
	}
	return diags
}

// concurrencyWarning tells the user when integrator.io lowered the requested level.
func concurrencyWarning(plan postgresConnectionModel, doc *client.Connection) (diags diag.Diagnostics) {
	if doc.RDBMS == nil || plan.ConcurrencyLevel.IsNull() || plan.ConcurrencyLevel.IsUnknown() {
		return nil
	}
	got, want := int64(doc.RDBMS.ConcurrencyLevel), plan.ConcurrencyLevel.ValueInt64()
	if got != 0 && got < want {
		diags.AddAttributeWarning(path.Root("concurrency_level"), "Concurrency Level Lowered by integrator.io",
			fmt.Sprintf("integrator.io saved concurrency level %d instead of %d: the account's licence allows at most %d. "+
				"Set concurrency_level = %d to match, or upgrade the licence.", got, want, got, got))
	}
	return diags
}

// timeoutsSchema is the resource's timeouts attribute, described as a whole and per operation.
func timeoutsSchema(ctx context.Context) schema.Attribute {
	attr := timeouts.Attributes(ctx, timeouts.Opts{
		Create: true, Update: true, Delete: true,
		CreateDescription: fmt.Sprintf("How long a create may take, connectivity checks and retried requests included. Defaults to `%s`.",
			shortDuration(defaultCreateTimeout)),
		UpdateDescription: fmt.Sprintf("How long an update may take, connectivity checks and retried requests included. Defaults to `%s`.",
			shortDuration(defaultUpdateTimeout)),
		DeleteDescription: fmt.Sprintf("How long a delete may take, retried requests included. Defaults to `%s`.",
			shortDuration(defaultDeleteTimeout)),
	})
	nested, ok := attr.(schema.SingleNestedAttribute)
	if !ok {
		return attr
	}
	nested.MarkdownDescription = "How long each operation on the connection may take as a whole, such as `{ create = \"10m\" }`: " +
		"durations with a unit (`s`, `m`, `h`). The provider's `request_timeout` bounds each API request within it, and " +
		"`connectivity_check.timeout` each check."
	return nested
}
