package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// The refresh fast path: ReadResource and PlanResourceChange of an integratorio_postgres_connection
// answered at the protocol level, with the model's own codec, instead of through the plugin
// framework's per-call machinery (request conversion, schema walks for defaults, write-only
// attributes, unknown marking, attribute plan modifiers and semantic equality, each rebuilding the
// schema's attribute map at every path step). serve.Server calls it before the framework, which
// answers every call the fast path declines.
//
// Every answer must be the one terraform-plugin-framework v1.19 gives to the same request, byte
// for byte. Each step below names the framework code it reproduces; TestRefreshFastPath_* and
// FuzzRefreshFastPath run both on the same requests and fail the day the framework answers
// otherwise (postgres_connection_refresh_fast_path_test.go). The fast path declines, before any API request, whatever
// it does not reproduce: another resource type, a provider not configured, undecodable values,
// private state holding the framework's own keys (an import's read), an identity that is not the
// state's id, and every plan but one that changes nothing and warns of nothing
// (unchangedQuietPlan).

// TypeName is the resource type the fast path answers for.
const fastPathTypeName = "integratorio_postgres_connection"

// refreshFastPath is what the fast path derives once from the resource's schema, the same for
// every server of the provider.
type refreshFastPath struct {
	once       sync.Once
	schema     schema.Schema
	attrTypes  map[string]attr.Type
	objectType tftypes.Object
	identity   tftypes.Object
	attrNames  []string // the schema's attribute names, sorted
	// validatable: the fast path answers validation and upgrades (schemaValidatable).
	validatable bool
}

func (f *refreshFastPath) init(ctx context.Context) {
	f.once.Do(func() {
		var resp resource.SchemaResponse
		(&postgresConnectionResource{}).Schema(ctx, resource.SchemaRequest{}, &resp)
		f.schema = resp.Schema
		f.attrTypes = map[string]attr.Type{}
		for name, a := range f.schema.Attributes {
			f.attrTypes[name] = a.GetType()
		}
		f.objectType, _ = f.schema.Type().TerraformType(ctx).(tftypes.Object)
		f.identity, _ = connectionIdentitySchema().Type().TerraformType(ctx).(tftypes.Object)
		f.attrNames = sortedKeys(f.schema.Attributes)
		_, hasConfigValidators := any(&postgresConnectionResource{}).(resource.ResourceWithConfigValidators)
		f.validatable = schemaValidatable(f.schema) && !hasConfigValidators
	})
}

// fastScope is the fast path of one server of the provider: the provider data of that server's
// last successful Configure. It cannot live in the provider value: one provider.Provider may be
// served by several framework servers (terraform-plugin-testing's ProtoV6ProviderFactories call
// the factory for every Terraform command, and acctest.ProviderFactories serves one provider
// value to all the tests of a package, in parallel, each against its own emulator), and the
// framework keeps each server's ResourceData apart (fwserver.Server.resourceConfigureData). A
// fast path that took the provider's last Configure answered one server's reads with another
// server's client (TestRefreshFastPath_eachServerReadsThroughItsOwnConfiguration).
//
// serve.Server makes one scope per server (FastPathScope) and puts it in the context of that
// server's ConfigureProvider and fast calls; Configure records its data in the scope it finds.
type fastScope struct {
	verify bool // serve's INTEGRATORIO_REFRESH_FAST_PATH=verify
	data   atomic.Pointer[providerData]
}

type fastScopeKey struct{}

// FastPathScope starts the fast path of one server: the function returned binds that server's
// scope to a call's context. With verify, serve also asks the framework for every call the fast
// path answers, and compares; so that both read the same document with one request, the
// framework's Read takes the one the fast path's read fetched (fastVerifyReads).
func (p *integratorioProvider) FastPathScope(verify bool) func(context.Context) context.Context {
	scope := &fastScope{verify: verify}
	return func(ctx context.Context) context.Context { return context.WithValue(ctx, fastScopeKey{}, scope) }
}

func fastScopeOf(ctx context.Context) *fastScope {
	scope, _ := ctx.Value(fastScopeKey{}).(*fastScope)
	return scope
}

// fastPathConfigured records the provider data Configure handed to resources in the scope of the
// server being configured, if it has one.
func fastPathConfigured(ctx context.Context, d *providerData) {
	scope := fastScopeOf(ctx)
	if scope == nil {
		return
	}
	if scope.verify {
		d.fastVerify = &fastVerifyReads{reads: map[string]fetched{}}
	}
	scope.data.Store(d)
}

// configuredData is the provider data of the server whose call ctx is, or nil.
func configuredData(ctx context.Context) *providerData {
	if scope := fastScopeOf(ctx); scope != nil {
		return scope.data.Load()
	}
	return nil
}

// fastVerifyReads hands what the fast path's read of a connection fetched to the framework's
// read of the same request, once.
type fastVerifyReads struct {
	mu    sync.Mutex
	reads map[string]fetched
}

type fetched struct {
	doc *client.Connection
	err error
}

// getter is connectionReader.Get.
type getter interface {
	Get(ctx context.Context, id string) (*client.Connection, error)
}

// fetch is from.Get(ctx, id), except while verifying: then the fast path's read (fromFast in
// ctx) records what it got, and the framework's read of the same id takes it.
func (v *fastVerifyReads) fetch(ctx context.Context, from getter, id string) (*client.Connection, error) {
	if v == nil {
		return from.Get(ctx, id)
	}
	if ctx.Value(fastReadKey{}) != nil {
		doc, err := from.Get(ctx, id)
		v.mu.Lock()
		v.reads[id] = fetched{doc, err}
		v.mu.Unlock()
		return doc, err
	}
	v.mu.Lock()
	got, ok := v.reads[id]
	delete(v.reads, id)
	v.mu.Unlock()
	if !ok {
		return from.Get(ctx, id)
	}
	return got.doc, got.err
}

// fastReadKey marks the context of the fast path's read.
type fastReadKey struct{}

// FastReadResource answers a ReadResource of integratorio_postgres_connection, or returns false
// for the framework to answer it.
func (p *integratorioProvider) FastReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, bool) {
	return p.fast.readResource(ctx, req)
}

// FastPlanResourceChange answers a PlanResourceChange of an integratorio_postgres_connection whose
// plan changes nothing, or returns false for the framework to answer it.
func (p *integratorioProvider) FastPlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, bool) {
	return p.fast.planResourceChange(ctx, req)
}

func (f *refreshFastPath) readResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, bool) {
	data := configuredData(ctx)
	if req == nil || req.TypeName != fastPathTypeName || data == nil || req.CurrentState == nil {
		return nil, false
	}
	f.init(ctx)
	// fromproto6.ReadResourceRequest: the state, the identity and the private state decoded.
	current, ok := f.decodeObject(req.CurrentState)
	if !ok || current.IsNull() {
		return nil, false
	}
	state, ok := f.modelOf(ctx, current)
	if !ok || state.ID.IsNull() || state.ID.IsUnknown() {
		return nil, false
	}
	identity, ok := f.decodeIdentity(req.CurrentIdentity)
	if !ok {
		return nil, false
	}
	// fwserver.ReadResource refuses an identity that changes; ours is always the state's id.
	if !identity.IsNull() && !identity.Equal(f.identityValue(state.ID.ValueString())) {
		return nil, false
	}
	private, ok := decodePrivate(req.Private)
	if !ok {
		return nil, false
	}

	r := &postgresConnectionResource{data: data} // what the framework's Configure of the resource does
	read := r.readConnection(context.WithValue(ctx, fastReadKey{}, true), state, readSavedFacts(ctx, privateKeys(private)))
	resp := &tfprotov6.ReadResourceResponse{Diagnostics: protoDiagnostics(read.diags)}
	switch {
	case read.gone:
		// Read: setIdentity, then State.RemoveResource: a null state.
		resp.NewState = f.encode(tftypes.NewValue(f.objectType, nil))
		resp.NewIdentity = f.encodeIdentity(f.identityValue(read.id))
	case read.diags.HasError():
		// fwserver.ReadResource answers with the state and identity it handed to Read, untouched
		// (a null identity when Terraform sent none).
		resp.NewState = f.encode(current)
		if identity.IsNull() {
			identity = tftypes.NewValue(f.identity, nil)
		}
		resp.NewIdentity = f.encodeIdentity(identity)
	default:
		next, ok := f.valueOf(ctx, read.next)
		if !ok {
			// Only a model out of step with the schema gets here, which TestModelCodec catches.
			resp.Diagnostics = append(resp.Diagnostics, &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityError,
				Summary: "Value Conversion Error", Detail: "The refresh could not encode the connection's state. This is always an error in the provider; please report it."})
			return resp, true
		}
		// recordLastSeen, as Read does it, on the private state.
		if read.doc.LastModified == nil {
			delete(private, lastSeenModifiedKey)
		} else {
			raw, _ := json.Marshal(lastModifiedText(read.doc))
			private[lastSeenModifiedKey] = raw
		}
		// fwserver.ReadResource then nullifies write-only attributes (NullifyWriteOnlyAttributes):
		// fromDocument keeps the prior state's, which are null.
		resp.NewState = f.encode(next)
		resp.NewIdentity = f.encodeIdentity(f.identityValue(read.id))
	}
	resp.Private = encodePrivate(private)
	return resp, true
}

func (f *refreshFastPath) planResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, bool) {
	if req == nil || req.TypeName != fastPathTypeName || configuredData(ctx) == nil ||
		req.PriorState == nil || req.ProposedNewState == nil || req.Config == nil {
		return nil, false
	}
	f.init(ctx)
	prior, ok := f.decodeObject(req.PriorState)
	if !ok || prior.IsNull() {
		return nil, false // a create
	}
	// The same bytes are the same value: only other bytes need decoding to compare (a map's
	// entries may come in another order).
	proposed := prior
	if !sameEncoding(req.ProposedNewState, req.PriorState) {
		proposed, ok = f.decodeObject(req.ProposedNewState)
		if !ok || !proposed.Equal(prior) {
			return nil, false // a change or a destroy
		}
	}
	configValue, ok := f.decodeObject(req.Config)
	if !ok || configValue.IsNull() || !configValue.IsFullyKnown() {
		return nil, false
	}
	config, ok := f.modelOf(ctx, configValue)
	if !ok {
		return nil, false
	}
	state, ok := f.modelOf(ctx, prior)
	if !ok || !unchangedQuietPlan(config, state) {
		return nil, false
	}
	identity, ok := f.decodeIdentity(req.PriorIdentity)
	if !ok {
		return nil, false
	}
	// fwserver.PlanResourceChange plans the prior identity when Terraform sent none as a null one.
	if identity.IsNull() {
		identity = tftypes.NewValue(f.identity, nil)
	}
	private, ok := decodePrivate(req.PriorPrivate)
	if !ok {
		return nil, false
	}
	return &tfprotov6.PlanResourceChangeResponse{
		PlannedState:    f.encode(proposed),
		PlannedIdentity: f.encodeIdentity(identity),
		PlannedPrivate:  encodePrivate(private),
	}, true
}

// unchangedQuietPlan reports whether the framework's plan of an update whose proposed new state
// is its prior state (config wholly known) is that prior state, with no diagnostic at all. It
// walks what fwserver.PlanResourceChange (v1.19, internal/fwserver/server_planresourcechange.go)
// does with such a request, in its order:
//
//   - TransformDefaults sets every attribute with a Default that the configuration leaves null
//     to its default: mode, port, use_ssl (TestRefreshFastPath_schemaHasNoOtherPlanTimeWork holds
//     the schema to that list). The plan is unchanged only if the state holds those defaults.
//   - NullifyWriteOnlyAttributes: the state's write-only attributes are null, as Read keeps them.
//   - MarkComputedNilsAsUnknown runs only when the plan differs from the prior state: not here.
//   - SchemaModifyPlan runs the attribute plan modifiers: UseStateForUnknown on id (nothing to do,
//     the plan is known) and verifyFollowsUseSSL on ssl_verify_server_certificate, which plans
//     true with use_ssl and null without when the configuration leaves it null.
//   - ModifyPlan (postgres_connection_plan.go), for a plan equal to its state: checkPasswordToSend
//     and planAgent send nothing; heldConnectionIfNeeded reads integrator.io (and
//     passwordForNextChangeWarning and sslWithoutCAWarning may warn) only without a password or
//     with use_ssl and no SSL material, so those plans go to the framework; planOffline leaves a
//     known flag; offlineWarning warns when the state is offline, so those go to the framework
//     too; concurrency_level is planned 5, or null when borrowing, when the configuration leaves
//     it null; planLevelInForce keeps the state's level in force and warns only of a change.
func unchangedQuietPlan(config, state postgresConnectionModel) bool {
	defaults := []struct {
		config, state attr.Value
		want          attr.Value
	}{
		{config.Mode, state.Mode, types.StringValue(modeCloud)},
		{config.Port, state.Port, types.Int64Value(defaultPort)},
		{config.UseSSL, state.UseSSL, types.BoolValue(false)},
	}
	for _, d := range defaults {
		if d.config.IsNull() && !d.state.Equal(d.want) {
			return false
		}
	}
	if config.SSLVerifyServerCertificate.IsNull() {
		want := types.BoolNull()
		if state.UseSSL.ValueBool() {
			want = types.BoolValue(true)
		}
		if !state.SSLVerifyServerCertificate.Equal(want) {
			return false
		}
	}
	noPassword := !isSet(config.Password) && !isSet(config.PasswordWO)
	sslUnshown := config.UseSSL.ValueBool() && !config.hasSSLMaterial()
	if noPassword || sslUnshown || state.Offline.ValueBool() || state.Offline.IsUnknown() {
		return false
	}
	if config.ConcurrencyLevel.IsNull() {
		want := types.Int64Value(defaultConcurrencyLevel)
		if isSet(config.BorrowConcurrencyFrom) {
			want = types.Int64Null()
		}
		if !state.ConcurrencyLevel.Equal(want) {
			return false
		}
	}
	return true
}

// decodeObject is fromproto6.State's decoding: DynamicValue.Unmarshal with the schema's type.
func (f *refreshFastPath) decodeObject(v *tfprotov6.DynamicValue) (tftypes.Value, bool) {
	value, err := v.Unmarshal(f.objectType)
	return value, err == nil
}

// sameEncoding reports whether a and b are the same msgpack bytes (and neither JSON).
func sameEncoding(a, b *tfprotov6.DynamicValue) bool {
	return len(a.JSON) == 0 && len(b.JSON) == 0 && len(a.MsgPack) > 0 && bytes.Equal(a.MsgPack, b.MsgPack)
}

// decodeIdentity is fromproto6.ResourceIdentity's decoding; a null value when Terraform sent none.
func (f *refreshFastPath) decodeIdentity(v *tfprotov6.ResourceIdentityData) (tftypes.Value, bool) {
	if v == nil || v.IdentityData == nil {
		return tftypes.NewValue(f.identity, nil), true
	}
	value, err := v.IdentityData.Unmarshal(f.identity)
	return value, err == nil
}

// identityValue is the identity setIdentity sets: the object {id}.
func (f *refreshFastPath) identityValue(id string) tftypes.Value {
	return tftypes.NewValue(f.identity, map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, id)})
}

// modelOf is the model an object value of the schema describes: each attribute converted by its
// schema type (ValueFromTerraform), as the framework's Get into a types.Object does, then
// modelFromAttributes.
func (f *refreshFastPath) modelOf(ctx context.Context, v tftypes.Value) (postgresConnectionModel, bool) {
	var raw map[string]tftypes.Value
	if err := v.As(&raw); err != nil || len(raw) != len(f.attrTypes) {
		return postgresConnectionModel{}, false
	}
	values := make(map[string]attr.Value, len(raw))
	for name, rv := range raw {
		typ, ok := f.attrTypes[name]
		if !ok {
			return postgresConnectionModel{}, false
		}
		av, err := typ.ValueFromTerraform(ctx, rv)
		if err != nil {
			return postgresConnectionModel{}, false
		}
		values[name] = av
	}
	var diags diag.Diagnostics
	m := modelFromAttributes(values, &diags)
	return m, !diags.HasError()
}

// valueOf is the object value of the model: what setModel has the framework set in state.
func (f *refreshFastPath) valueOf(ctx context.Context, m postgresConnectionModel) (tftypes.Value, bool) {
	attrs := m.attributes()
	values := make(map[string]tftypes.Value, len(attrs))
	for name, av := range attrs {
		if _, ok := f.attrTypes[name]; !ok || av == nil {
			return tftypes.Value{}, false
		}
		tv, err := av.ToTerraformValue(ctx)
		if err != nil {
			return tftypes.Value{}, false
		}
		values[name] = tv
	}
	if len(values) != len(f.attrTypes) {
		return tftypes.Value{}, false
	}
	if err := tftypes.ValidateValue(f.objectType, values); err != nil {
		return tftypes.Value{}, false
	}
	return tftypes.NewValue(f.objectType, values), true
}

// encode is toproto6.State's encoding: tfprotov6.NewDynamicValue with the schema's type. Only a
// value of another type fails, which decodeObject and valueOf rule out.
func (f *refreshFastPath) encode(v tftypes.Value) *tfprotov6.DynamicValue {
	dv, err := tfprotov6.NewDynamicValue(f.objectType, v)
	if err != nil {
		return nil
	}
	return &dv
}

func (f *refreshFastPath) encodeIdentity(v tftypes.Value) *tfprotov6.ResourceIdentityData {
	dv, err := tfprotov6.NewDynamicValue(f.identity, v)
	if err != nil {
		return nil
	}
	return &tfprotov6.ResourceIdentityData{IdentityData: &dv}
}

// decodePrivate is privatestate.NewData (framework v1.19, internal/privatestate/data.go) for
// private state that holds only the provider's keys: a JSON object of base64 values, each valid
// UTF-8 and JSON. Anything else, the framework's own keys (a "." prefix, as after an import)
// included, is declined.
func decodePrivate(raw []byte) (map[string][]byte, bool) {
	out := map[string][]byte{}
	if len(raw) == 0 {
		return out, true
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, false
	}
	for k, v := range out {
		if strings.HasPrefix(k, ".") || !utf8.Valid(v) || !json.Valid(v) {
			return nil, false
		}
	}
	return out, true
}

// privateKeys reads decoded private state as privatestate.ProviderData.GetKey does.
type privateKeys map[string][]byte

func (p privateKeys) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return p[key], nil
}

// encodePrivate is privatestate.Data.Bytes: nothing when no key has a value, else the JSON object
// of the keys with a value.
func encodePrivate(data map[string][]byte) []byte {
	kept := make(map[string][]byte, len(data))
	for k, v := range data {
		if len(v) > 0 {
			kept[k] = v
		}
	}
	if len(kept) == 0 {
		return nil
	}
	raw, err := json.Marshal(kept)
	if err != nil {
		return nil // a map of byte slices always encodes
	}
	return raw
}

// protoDiagnostics is toproto6.Diagnostics for the diagnostics Read makes: an attribute path of
// attribute names, element keys and indexes (totftypes.AttributePath).
func protoDiagnostics(diags diag.Diagnostics) []*tfprotov6.Diagnostic {
	var out []*tfprotov6.Diagnostic
	for _, d := range diags {
		pd := &tfprotov6.Diagnostic{Summary: d.Summary(), Detail: d.Detail(), Severity: tfprotov6.DiagnosticSeverityInvalid}
		switch d.Severity() {
		case diag.SeverityError:
			pd.Severity = tfprotov6.DiagnosticSeverityError
		case diag.SeverityWarning:
			pd.Severity = tfprotov6.DiagnosticSeverityWarning
		}
		if withPath, ok := d.(diag.DiagnosticWithPath); ok {
			pd.Attribute = attributePath(withPath.Path())
		}
		out = append(out, pd)
	}
	return out
}

func attributePath(p path.Path) *tftypes.AttributePath {
	out := tftypes.NewAttributePath()
	for _, step := range p.Steps() {
		switch s := step.(type) {
		case path.PathStepAttributeName:
			out = out.WithAttributeName(string(s))
		case path.PathStepElementKeyString:
			out = out.WithElementKeyString(string(s))
		case path.PathStepElementKeyInt:
			out = out.WithElementKeyInt(int(s))
		}
		// No other step is in a path of this resource's diagnostics.
	}
	return out
}
