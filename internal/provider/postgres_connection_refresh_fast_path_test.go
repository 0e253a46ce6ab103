package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/serve"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// The equivalence harness of the refresh fast path (postgres_connection_refresh_fast_path.go): every request goes to
// the framework's server and to the fast path of one configured provider, and wherever the fast
// path answers, its answer must be the framework's, byte for byte (states and identities as
// msgpack, private state, diagnostics with their paths). The framework answers first, so a read
// sees what the framework's read left, as the second of two refreshes would.

const (
	fastTestCA   = "-----BEGIN CERTIFICATE-----\nMIIBfastpath\n-----END CERTIFICATE-----\n"
	fastTestCert = "-----BEGIN CERTIFICATE-----\nMIIBclient\n-----END CERTIFICATE-----\n"
	fastTestKey  = "-----BEGIN PRIVATE KEY-----\nMIIBkey\n-----END PRIVATE KEY-----\n"
)

// fastPathRig is one emulator, one provider configured against it, and the framework's server of
// that provider.
type fastPathRig struct {
	t   testing.TB
	emu *emulator.Server
	api *client.Client
	p   *integratorioProvider
	fw  tfprotov6.ProviderServer
	ctx context.Context

	url, token string
}

func newFastPathRig(t testing.TB, cfg emulator.Config) *fastPathRig {
	t.Helper()
	token := fmt.Sprintf("fast-%d", time.Now().UnixNano())
	cfg.Tokens = append(cfg.Tokens, token)
	emu := emulator.New(cfg)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	url := srv.URL + "/v1"
	api, err := client.New(client.WithToken(token), client.WithBaseURL(url), client.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := New("test")().(*integratorioProvider)
	if !ok {
		t.Fatal("New does not make an *integratorioProvider")
	}
	// One server's scope, as serve.Server binds it to its calls: Configure records the provider
	// data in it, and the fast path answers from it.
	ctx := p.FastPathScope(false)(context.Background())
	r := &fastPathRig{t: t, emu: emu, api: api, p: p, fw: providerserver.NewProtocol6(p)(), ctx: ctx, url: url, token: token}
	r.configure(r.ctx, r.fw)
	return r
}

// configure configures srv, a server of the provider, against the rig's emulator.
func (r *fastPathRig) configure(ctx context.Context, srv tfprotov6.ProviderServer) {
	r.t.Helper()
	schemas, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schemas.Diagnostics) > 0 {
		r.t.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	typ := schemas.Provider.ValueType().(tftypes.Object)
	values := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
	}
	values["base_url"] = tftypes.NewValue(tftypes.String, r.url)
	values["api_token"] = tftypes.NewValue(tftypes.String, r.token)
	values["max_retries"] = tftypes.NewValue(tftypes.Number, 0)
	config, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, values))
	if err != nil {
		r.t.Fatal(err)
	}
	resp, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &config})
	if err != nil || len(resp.Diagnostics) > 0 {
		r.t.Fatalf("ConfigureProvider: %v %+v", err, resp.Diagnostics)
	}
}

// create saves a connection in the emulator and returns it as integrator.io answered.
func (r *fastPathRig) create(doc client.Connection) *client.Connection {
	r.t.Helper()
	doc.Type = client.ConnectionTypeRDBMS
	if doc.RDBMS == nil {
		doc.RDBMS = &client.RDBMS{}
	}
	doc.RDBMS.Type = client.RDBMSTypePostgreSQL
	created, err := r.api.Connections.Create(r.ctx, &doc)
	if err != nil {
		r.t.Fatal(err)
	}
	return created
}

// nullModel is the model of a wholly null object of the schema: every attribute typed, all null.
func (r *fastPathRig) nullModel() postgresConnectionModel {
	r.t.Helper()
	r.p.fast.init(r.ctx)
	values := map[string]tftypes.Value{}
	for name, at := range r.p.fast.objectType.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
	}
	m, ok := r.p.fast.modelOf(r.ctx, tftypes.NewValue(r.p.fast.objectType, values))
	if !ok {
		r.t.Fatal("the null object does not decode")
	}
	return m
}

func (r *fastPathRig) dynamic(m postgresConnectionModel) *tfprotov6.DynamicValue {
	r.t.Helper()
	v, ok := r.p.fast.valueOf(r.ctx, m)
	if !ok {
		r.t.Fatalf("model does not encode: %+v", m)
	}
	return r.p.fast.encode(v)
}

func (r *fastPathRig) identity(id string) *tfprotov6.ResourceIdentityData {
	r.p.fast.init(r.ctx)
	return r.p.fast.encodeIdentity(r.p.fast.identityValue(id))
}

// read runs one ReadResource both ways; it reports whether the fast path answered, and fails
// the test if that answer differs from the framework's.
func (r *fastPathRig) read(name string, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, bool) {
	r.t.Helper()
	req.TypeName = fastPathTypeName
	want, err := r.fw.ReadResource(r.ctx, req)
	if err != nil {
		r.t.Fatalf("%s: the framework's ReadResource: %v", name, err)
	}
	got, ok := r.p.FastReadResource(r.ctx, req)
	if ok && !reflect.DeepEqual(got, want) {
		r.t.Errorf("%s: ReadResource differs from the framework's:\nfast:      %s\nframework: %s", name, describeRead(r, got), describeRead(r, want))
	}
	return want, ok
}

// plan runs one PlanResourceChange both ways, as read does.
func (r *fastPathRig) plan(name string, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, bool) {
	r.t.Helper()
	req.TypeName = fastPathTypeName
	want, err := r.fw.PlanResourceChange(r.ctx, req)
	if err != nil {
		r.t.Fatalf("%s: the framework's PlanResourceChange: %v", name, err)
	}
	got, ok := r.p.FastPlanResourceChange(r.ctx, req)
	if ok && !reflect.DeepEqual(got, want) {
		r.t.Errorf("%s: PlanResourceChange differs from the framework's:\nfast:      %s\nframework: %s", name, describePlan(r, got), describePlan(r, want))
	}
	return want, ok
}

func describeValue(r *fastPathRig, typ tftypes.Type, v *tfprotov6.DynamicValue) string {
	if v == nil {
		return "<nil>"
	}
	value, err := v.Unmarshal(typ)
	if err != nil {
		return fmt.Sprintf("undecodable %x", v.MsgPack)
	}
	return fmt.Sprintf("%v (msgpack %x)", value, v.MsgPack)
}

func describeIdentity(r *fastPathRig, v *tfprotov6.ResourceIdentityData) string {
	if v == nil {
		return "<nil>"
	}
	return describeValue(r, r.p.fast.identity, v.IdentityData)
}

func describeDiags(diags []*tfprotov6.Diagnostic) string {
	out := ""
	for _, d := range diags {
		out += fmt.Sprintf("[%v %q %q %v] ", d.Severity, d.Summary, d.Detail, d.Attribute)
	}
	return out
}

func describeRead(r *fastPathRig, resp *tfprotov6.ReadResourceResponse) string {
	return fmt.Sprintf("state %s identity %s private %q deferred %v diags %s", describeValue(r, r.p.fast.objectType, resp.NewState),
		describeIdentity(r, resp.NewIdentity), resp.Private, resp.Deferred, describeDiags(resp.Diagnostics))
}

func describePlan(r *fastPathRig, resp *tfprotov6.PlanResourceChangeResponse) string {
	return fmt.Sprintf("plan %s identity %s private %q replace %v deferred %v diags %s", describeValue(r, r.p.fast.objectType, resp.PlannedState),
		describeIdentity(r, resp.PlannedIdentity), resp.PlannedPrivate, resp.RequiresReplace, resp.Deferred, describeDiags(resp.Diagnostics))
}

// privateOf is private state as the framework writes it, from key to JSON text.
func privateOf(t testing.TB, keys map[string]string) []byte {
	t.Helper()
	data := map[string][]byte{}
	for k, v := range keys {
		data[k] = []byte(v)
	}
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// stateFor is the state a create of doc with these settings leaves: the configuration's values,
// with what integrator.io computed.
func (r *fastPathRig) stateFor(doc *client.Connection, password string, tune func(*postgresConnectionModel)) postgresConnectionModel {
	m := r.nullModel()
	m.ID = types.StringValue(doc.ID)
	m.Name = types.StringValue(doc.Name)
	m.Mode = types.StringValue(modeCloud)
	m.Host = types.StringValue(doc.RDBMS.Host)
	m.Port = types.Int64Value(int64(doc.RDBMS.Port))
	m.Database = types.StringValue(doc.RDBMS.Database)
	m.Username = types.StringValue(doc.RDBMS.User)
	if password != "" {
		m.Password = types.StringValue(password)
	}
	m.UseSSL = types.BoolValue(false)
	m.ConcurrencyLevel = types.Int64Value(defaultConcurrencyLevel)
	m.ConcurrencyLevelInForce = types.Int64Value(defaultConcurrencyLevel)
	m.Offline = types.BoolValue(false)
	if doc.RDBMS.SSL != nil {
		m.UseSSL = types.BoolValue(true)
		m.SSLVerifyServerCertificate = types.BoolValue(true)
		m.SSLCA = optionalString(fastPlain(doc.RDBMS.SSL.CA, fastTestCA))
		m.SSLCertificate = optionalString(fastPlain(doc.RDBMS.SSL.Cert, fastTestCert))
		m.SSLKey = optionalString(fastPlain(doc.RDBMS.SSL.Key, fastTestKey))
	}
	if tune != nil {
		tune(&m)
	}
	return m
}

// fastPlain is the value sent for a field integrator.io answered (masked or not), "" for none.
func fastPlain(answered, sent string) string {
	if answered == "" {
		return ""
	}
	return sent
}

// configOf is the configuration that state came from: computed-only attributes null and, with
// nullDefaults, every Optional+Computed attribute that holds what the provider plans for it when
// unset left out, as a configuration that does not set it would.
func configOf(state postgresConnectionModel, nullDefaults bool) postgresConnectionModel {
	c := state
	c.ID, c.Offline = types.StringNull(), types.BoolNull()
	c.ConcurrencyLevelInForce = types.Int64Null()
	if !nullDefaults {
		return c
	}
	if state.Mode.Equal(types.StringValue(modeCloud)) {
		c.Mode = types.StringNull()
	}
	if state.Port.Equal(types.Int64Value(defaultPort)) {
		c.Port = types.Int64Null()
	}
	if state.UseSSL.Equal(types.BoolValue(false)) {
		c.UseSSL = types.BoolNull()
	}
	if state.SSLVerifyServerCertificate.Equal(types.BoolValue(true)) || state.SSLVerifyServerCertificate.IsNull() {
		c.SSLVerifyServerCertificate = types.BoolNull()
	}
	if state.ConcurrencyLevel.Equal(types.Int64Value(defaultConcurrencyLevel)) || state.ConcurrencyLevel.IsNull() {
		c.ConcurrencyLevel = types.Int64Null()
	}
	return c
}

// proposedNew is Terraform's proposed new state (objchange.ProposedNew) for this schema: the
// configuration's value, except a computed attribute the configuration leaves null, which keeps
// the prior state's.
func proposedNew(s schema.Schema, prior, config postgresConnectionModel) postgresConnectionModel {
	p, c := prior.attributes(), config.attributes()
	out := map[string]attr.Value{}
	for name, a := range s.Attributes {
		out[name] = c[name]
		if a.IsComputed() && c[name].IsNull() {
			out[name] = p[name]
		}
	}
	var diags diag.Diagnostics
	return modelFromAttributes(out, &diags)
}

// fastCase is one resource of the harness: a document in integrator.io and the state, private
// state and configuration Terraform holds for it.
type fastCase struct {
	name     string
	state    postgresConnectionModel
	private  []byte
	identity bool // Terraform sends the identity (1.12 and later)
	config   func(state postgresConnectionModel) postgresConnectionModel
	// fastRead and fastPlan: whether the fast path must answer (true), must decline (false).
	fastRead, fastPlan bool
	planEither         bool // the emulator's mode decides whether the plan warns
}

// refresh runs c's refresh both ways, ReadResource then PlanResourceChange of what the read
// returned, and checks whether the fast path answered each as c says.
func (r *fastPathRig) refresh(c fastCase) {
	r.t.Helper()
	req := &tfprotov6.ReadResourceRequest{CurrentState: r.dynamic(c.state), Private: c.private,
		ClientCapabilities: &tfprotov6.ReadResourceClientCapabilities{DeferralAllowed: true}}
	if c.identity {
		req.CurrentIdentity = r.identity(c.state.ID.ValueString())
	}
	read, ok := r.read(c.name, req)
	if ok != c.fastRead {
		r.t.Errorf("%s: the fast path answered the read: %v, want %v (%s)", c.name, ok, c.fastRead, describeRead(r, read))
	}
	if read.NewState == nil {
		return
	}
	prior, err := read.NewState.Unmarshal(r.p.fast.objectType)
	if err != nil || prior.IsNull() {
		return // removed, or an error
	}
	priorModel, _ := r.p.fast.modelOf(r.ctx, prior)
	config := configOf(priorModel, true)
	if c.config != nil {
		config = c.config(priorModel)
	}
	proposed := proposedNew(r.p.fast.schema, priorModel, config)
	planReq := &tfprotov6.PlanResourceChangeRequest{PriorState: read.NewState, PriorPrivate: read.Private,
		Config: r.dynamic(config), ProposedNewState: r.dynamic(proposed), PriorIdentity: read.NewIdentity,
		ClientCapabilities: &tfprotov6.PlanResourceChangeClientCapabilities{DeferralAllowed: true}}
	plan, ok := r.plan(c.name, planReq)
	if ok != c.fastPlan && !c.planEither {
		r.t.Errorf("%s: the fast path answered the plan: %v, want %v (%s)", c.name, ok, c.fastPlan, describePlan(r, plan))
	}
}

// TestRefreshFastPath_answersAsTheFramework refreshes connections of every kind the provider
// manages, with the documents integrator.io may answer, both ways.
func TestRefreshFastPath_answersAsTheFramework(t *testing.T) {
	for _, emu := range []struct {
		name string
		cfg  emulator.Config
	}{
		{"masked", emulator.Config{}},
		{"certificates returned", emulator.Config{ReturnCertificates: true}},
		{"certificates omitted", emulator.Config{OmitCertificates: true}},
		{"secrets unmasked", emulator.Config{UnmaskSecrets: true}},
		{"no useSSL", emulator.Config{DropUseSSL: true, DropEmptySSL: true}},
	} {
		t.Run(emu.name, func(t *testing.T) {
			r := newFastPathRig(t, emu.cfg)
			for _, c := range fastCases(t, r) {
				r.refresh(c)
			}
		})
	}
}

func fastCases(t *testing.T, r *fastPathRig) []fastCase {
	yes := true
	base := func(name string) client.Connection {
		return client.Connection{Name: name, RDBMS: &client.RDBMS{Host: "db.example.com", Port: 5432, Database: "orders", User: "svc", Password: "s3cret-pw"}}
	}
	lastSeen := func(doc *client.Connection) []byte {
		return privateOf(t, map[string]string{savedLevelKey: "5", lastSeenModifiedKey: strconv.Quote(lastModifiedText(doc))})
	}

	plain := r.create(base("plain"))
	tls := base("tls")
	tls.RDBMS.SSL, tls.RDBMS.UseSSL = &client.SSL{CA: fastTestCA}, &yes
	tlsDoc := r.create(tls)
	certLogin := base("cert-login")
	certLogin.RDBMS.Password = ""
	certLogin.RDBMS.SSL, certLogin.RDBMS.UseSSL = &client.SSL{CA: fastTestCA, Cert: fastTestCert, Key: fastTestKey}, &yes
	certDoc := r.create(certLogin)
	sslNoCA := base("ssl-no-ca")
	sslNoCA.RDBMS.SSL, sslNoCA.RDBMS.UseSSL = &client.SSL{}, &yes
	sslNoCADoc := r.create(sslNoCA)
	lender := r.create(base("lender"))
	borrower := base("borrower")
	borrower.BorrowConcurrencyFromConnectionID = lender.ID
	borrowerDoc := r.create(borrower)
	goneLender := r.create(base("gone-lender"))
	orphan := base("orphan")
	orphan.BorrowConcurrencyFromConnectionID = goneLender.ID
	orphanDoc := r.create(orphan)
	if err := r.api.Connections.Delete(r.ctx, goneLender.ID); err != nil {
		t.Fatal(err)
	}
	agentID, err := r.emu.AddAgent(emulator.AgentSpec{Name: "agent", Online: true})
	if err != nil {
		t.Fatal(err)
	}
	onPrem := base("on-premise")
	onPrem.AgentID = agentID
	onPremDoc := r.create(onPrem)
	offlineDoc := r.create(base("offline"))
	if err := r.emu.MarkConnectionOffline(offlineDoc.ID); err != nil {
		t.Fatal(err)
	}
	capped := base("capped")
	capped.RDBMS.ConcurrencyLevel = 30
	cappedDoc := r.create(capped)
	withOptions := base("options")
	withOptions.RDBMS.Options = []client.Option{{Name: "application_name", Value: "orders-sync"}}
	optionsDoc := r.create(withOptions)
	driftDoc := r.create(base("drift"))

	return []fastCase{
		{name: "plain, no private state", state: r.stateFor(plain, "s3cret-pw", nil), fastRead: true, fastPlan: true},
		{name: "plain with identity and private state", state: r.stateFor(plain, "s3cret-pw", nil), private: lastSeen(plain), identity: true, fastRead: true, fastPlan: true},
		{name: "plain, every default set in the configuration", state: r.stateFor(plain, "s3cret-pw", nil), identity: true, fastRead: true, fastPlan: true,
			config: func(s postgresConnectionModel) postgresConnectionModel { return configOf(s, false) }},
		{name: "tls with a CA (the bench's)", state: r.stateFor(tlsDoc, "s3cret-pw", nil), private: lastSeen(tlsDoc), identity: true, fastRead: true, fastPlan: true, planEither: true},
		{name: "tls with a CA integrator.io hides", identity: true,
			state: r.stateFor(tlsDoc, "s3cret-pw", func(m *postgresConnectionModel) { m.SSLCA = types.StringValue(fastTestCA) }), fastRead: true, fastPlan: true,
			private: privateOf(t, map[string]string{savedLevelKey: "5", hiddenFieldsKey: `["ssl_ca"]`})},
		{name: "certificate login", state: r.stateFor(certDoc, "", nil), private: lastSeen(certDoc), identity: true, fastRead: true, fastPlan: false},
		{name: "certificate login, hidden fields", state: r.stateFor(certDoc, "", nil), identity: true, fastRead: true, fastPlan: false,
			private: privateOf(t, map[string]string{savedLevelKey: "5", hiddenFieldsKey: `["ssl_ca","ssl_certificate"]`})},
		{name: "ssl without material", state: r.stateFor(sslNoCADoc, "s3cret-pw", nil), identity: true, fastRead: true, fastPlan: false, planEither: true},
		{name: "no password in the configuration", state: r.stateFor(plain, "", nil), identity: true, fastRead: true, fastPlan: false},
		{name: "write-only password", identity: true, fastRead: true, fastPlan: false,
			state: r.stateFor(plain, "", func(m *postgresConnectionModel) { m.PasswordWOVersion = types.Int64Value(1) }),
			config: func(s postgresConnectionModel) postgresConnectionModel {
				c := configOf(s, true)
				c.PasswordWO = types.StringValue("wo-secret")
				return c
			}},
		{name: "borrowed concurrency", identity: true, fastRead: true, fastPlan: true,
			state: r.stateFor(borrowerDoc, "s3cret-pw", func(m *postgresConnectionModel) {
				m.BorrowConcurrencyFrom = types.StringValue(lender.ID)
				m.ConcurrencyLevel, m.ConcurrencyLevelInForce = types.Int64Null(), types.Int64Null()
			})},
		{name: "lender gone", identity: true, fastRead: true, fastPlan: true,
			state: r.stateFor(orphanDoc, "s3cret-pw", func(m *postgresConnectionModel) {
				m.BorrowConcurrencyFrom = types.StringValue(goneLender.ID)
				m.ConcurrencyLevel, m.ConcurrencyLevelInForce = types.Int64Null(), types.Int64Null()
			})},
		{name: "on-premise", identity: true, fastRead: true, fastPlan: true,
			state: r.stateFor(onPremDoc, "s3cret-pw", func(m *postgresConnectionModel) {
				m.Mode, m.AgentID = types.StringValue(modeOnPremise), types.StringValue(agentID)
			}),
			config: func(s postgresConnectionModel) postgresConnectionModel {
				c := configOf(s, true)
				c.Mode = types.StringValue(modeOnPremise)
				return c
			}},
		{name: "offline", state: r.stateFor(offlineDoc, "s3cret-pw", nil), identity: true, fastRead: true, fastPlan: false},
		{name: "level above the licence", identity: true, fastRead: true, fastPlan: true,
			state: r.stateFor(cappedDoc, "s3cret-pw", func(m *postgresConnectionModel) {
				m.ConcurrencyLevel, m.ConcurrencyLevelInForce = types.Int64Value(30), types.Int64Value(30)
			}),
			private: privateOf(t, map[string]string{savedLevelKey: "30"}),
			config: func(s postgresConnectionModel) postgresConnectionModel {
				c := configOf(s, true)
				c.ConcurrencyLevel = s.ConcurrencyLevel
				return c
			}},
		{name: "properties", identity: true, fastRead: true, fastPlan: true,
			state: r.stateFor(optionsDoc, "s3cret-pw", func(m *postgresConnectionModel) {
				m.Properties = types.MapValueMust(types.StringType, map[string]attr.Value{"application_name": types.StringValue("orders-sync")})
			})},
		{name: "drift: the configuration changes the name", identity: true, fastRead: true, fastPlan: false,
			state: r.stateFor(driftDoc, "s3cret-pw", nil),
			config: func(s postgresConnectionModel) postgresConnectionModel {
				c := configOf(s, true)
				c.Name = types.StringValue("renamed")
				return c
			}},
		{name: "drift: changed in integrator.io", identity: true, fastRead: true, fastPlan: false,
			state: r.stateFor(driftDoc, "s3cret-pw", func(m *postgresConnectionModel) { m.Host = types.StringValue("old.example.com") }),
			config: func(s postgresConnectionModel) postgresConnectionModel {
				c := configOf(s, true)
				c.Host = types.StringValue("old.example.com")
				return c
			}},
		{name: "unknown in the configuration", identity: true, fastRead: true, fastPlan: false,
			state: r.stateFor(plain, "s3cret-pw", nil),
			config: func(s postgresConnectionModel) postgresConnectionModel {
				c := configOf(s, true)
				c.Password = types.StringUnknown()
				return c
			}},
		{name: "gone from integrator.io", identity: true, fastRead: true,
			state: r.stateFor(goneLender, "s3cret-pw", nil)},
		{name: "gone, no identity", fastRead: true,
			state: r.stateFor(goneLender, "s3cret-pw", nil)},
		{name: "after an import", private: privateOf(t, map[string]string{".import_before_read": "true"}), fastRead: false,
			state: func() postgresConnectionModel { m := r.nullModel(); m.ID = types.StringValue(plain.ID); return m }()},
		{name: "identity of another id", identity: false, fastRead: true, fastPlan: true,
			state: r.stateFor(plain, "s3cret-pw", nil)},
	}
}

// One provider value served by two servers, each configured against its own integrator.io (as
// acctest.ProviderFactories serves one provider to every test of a package, in parallel): each
// server's fast path reads through its own server's configuration, as the framework's read does.
// The fast path once kept the provider data of the provider's last Configure, so a read through
// the first server went to the second's account, found nothing there and answered "gone": the
// intermittent "Refresh Fast Path Differs From the Framework" (new state) of
// TestEmulatorPostgresConnection_driftThroughSharedListing under make testacc-tofu, whenever
// another test configured the provider during its refresh.
func TestRefreshFastPath_eachServerReadsThroughItsOwnConfiguration(t *testing.T) {
	for _, mode := range []string{"1", "verify"} {
		t.Run(serve.FastPathEnvVar+"="+mode, func(t *testing.T) {
			t.Setenv(serve.FastPathEnvVar, mode)
			first, second := newFastPathRig(t, emulator.Config{}), newFastPathRig(t, emulator.Config{})
			shared := first.p
			firstServer, secondServer := serve.New(shared), serve.New(shared)
			ctx := context.Background()
			first.configure(ctx, firstServer)
			second.configure(ctx, secondServer) // configured last

			doc := first.create(client.Connection{Name: "mine", RDBMS: &client.RDBMS{Host: "db.example.com", Port: 5432,
				Database: "orders", User: "svc", Password: "s3cret-pw"}})
			req := &tfprotov6.ReadResourceRequest{TypeName: fastPathTypeName, CurrentIdentity: first.identity(doc.ID),
				CurrentState: first.dynamic(first.stateFor(doc, "s3cret-pw", nil))}
			if _, answered := first.read("a plain connection", req); !answered {
				t.Fatal("the fast path declined the read, so this test cannot tell the servers apart")
			}
			want, err := first.fw.ReadResource(first.ctx, req) // the framework alone, configured as firstServer
			if err != nil {
				t.Fatal(err)
			}
			got, err := firstServer.ReadResource(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the first server's read differs from the framework's:\nserved:    %s\nframework: %s",
					describeRead(first, got), describeRead(first, want))
			}
			if stats := second.emu.Stats(); stats["GET /v1/connections/{id}"] != 0 {
				t.Errorf("the first server's read went to the second server's integrator.io: %v", stats)
			}
		})
	}
}

// TestRefreshFastPath_schemaHasNoOtherPlanTimeWork holds the schema to what unchangedQuietPlan
// reproduces: defaults on mode, port and use_ssl, and plan modifiers on id
// (UseStateForUnknown) and ssl_verify_server_certificate (verifyFollowsUseSSL) only, nested
// attributes included. A new default or plan modifier fails here until the fast path reproduces it.
func TestRefreshFastPath_schemaHasNoOtherPlanTimeWork(t *testing.T) {
	var f refreshFastPath
	f.init(context.Background())
	defaults, modifiers := map[string]bool{}, map[string]bool{}
	var walk func(prefix string, attrs map[string]schema.Attribute)
	walk = func(prefix string, attrs map[string]schema.Attribute) {
		for name, a := range attrs {
			name = prefix + name
			hasDefault, hasModifiers := false, false
			switch a := a.(type) {
			case schema.StringAttribute:
				hasDefault, hasModifiers = a.Default != nil, len(a.PlanModifiers) > 0
			case schema.BoolAttribute:
				hasDefault, hasModifiers = a.Default != nil, len(a.PlanModifiers) > 0
			case schema.Int64Attribute:
				hasDefault, hasModifiers = a.Default != nil, len(a.PlanModifiers) > 0
			case schema.MapAttribute:
				hasDefault, hasModifiers = a.Default != nil, len(a.PlanModifiers) > 0
			case schema.SingleNestedAttribute:
				hasDefault, hasModifiers = a.Default != nil, len(a.PlanModifiers) > 0
				walk(name+".", a.Attributes)
			default:
				t.Errorf("attribute %s is a %T, which this test does not know", name, a)
			}
			defaults[name], modifiers[name] = hasDefault, hasModifiers
		}
	}
	walk("", f.schema.Attributes)
	for name := range defaults {
		wantDefault := name == "mode" || name == "port" || name == "use_ssl"
		wantModifiers := name == "id" || name == "ssl_verify_server_certificate"
		if defaults[name] != wantDefault || modifiers[name] != wantModifiers {
			t.Errorf("%s: default %v, plan modifiers %v; the fast path reproduces default %v, plan modifiers %v",
				name, defaults[name], modifiers[name], wantDefault, wantModifiers)
		}
	}
	if len(f.schema.Blocks) > 0 {
		t.Errorf("the schema has blocks, which the fast path does not reproduce: %v", f.schema.Blocks)
	}
}

// FuzzRefreshFastPath runs random states, configurations and private state through both paths:
// a read of a connection integrator.io holds, then plans of the state read and of the random
// state itself. Wherever the fast path answers, its answer must be the framework's.
func FuzzRefreshFastPath(f *testing.F) {
	r := newFastPathRig(f, emulator.Config{})
	yes := true
	doc := r.create(client.Connection{Name: "fuzz", RDBMS: &client.RDBMS{Host: "db.example.com", Port: 5432, Database: "orders",
		User: "svc", Password: "pw", SSL: &client.SSL{CA: fastTestCA}, UseSSL: &yes}})
	f.Add("fuzz", "db.example.com", uint16(5432), true, true, uint8(5), false, "pw", true, uint8(0), false, []byte(nil), false)
	f.Add("other", "old.example.com", uint16(0), false, false, uint8(0), true, "", false, uint8(3), true, []byte(`{"a":"bnVsbA=="}`), true)
	f.Add("x", "db.example.com", uint16(5433), true, false, uint8(30), false, "pw", true, uint8(1), false, []byte(`{".import_before_read":"dHJ1ZQ=="}`), false)
	f.Fuzz(func(t *testing.T, name, host string, port uint16, useSSL, withCA bool, level uint8, borrow bool, password string,
		nullDefaults bool, hidden uint8, offline bool, private []byte, unknownName bool) {
		r.t = t
		state := r.stateFor(doc, password, func(m *postgresConnectionModel) {
			m.Name, m.Host = types.StringValue(name), types.StringValue(host)
			if port == 0 {
				m.Port = types.Int64Null()
			} else {
				m.Port = types.Int64Value(int64(port))
			}
			m.UseSSL = types.BoolValue(useSSL)
			if !withCA {
				m.SSLCA = types.StringNull()
			}
			if !useSSL {
				m.SSLVerifyServerCertificate = types.BoolNull()
			}
			m.ConcurrencyLevel = types.Int64Value(int64(level))
			if level == 0 {
				m.ConcurrencyLevel = types.Int64Null()
			}
			if borrow {
				m.BorrowConcurrencyFrom = types.StringValue(doc.ID)
			}
			m.Offline = types.BoolValue(offline)
		})
		var names []string
		for i, n := range []string{"ssl_ca", "ssl_certificate", "ssl_key", "password"} {
			if hidden&(1<<i) != 0 {
				names = append(names, n)
			}
		}
		keys := map[string]string{savedLevelKey: strconv.Itoa(int(level))}
		if len(names) > 0 {
			raw, _ := json.Marshal(names)
			keys[hiddenFieldsKey] = string(raw)
		}
		if len(private) == 0 {
			private = privateOf(t, keys)
		}
		r.refresh(fastCase{name: "fuzz", state: state, private: private, identity: true, fastRead: decodable(private), planEither: true,
			config: func(s postgresConnectionModel) postgresConnectionModel {
				c := configOf(s, nullDefaults)
				if unknownName {
					c.Name = types.StringUnknown()
				}
				return c
			}})
		config := configOf(state, nullDefaults)
		proposed := proposedNew(r.p.fast.schema, state, config)
		r.plan("fuzz, the random state as prior", &tfprotov6.PlanResourceChangeRequest{PriorState: r.dynamic(state), PriorPrivate: private,
			Config: r.dynamic(config), ProposedNewState: r.dynamic(proposed), PriorIdentity: r.identity(doc.ID)})
	})
}

// decodable reports whether the fast path takes this private state (decodePrivate's rule).
func decodable(private []byte) bool {
	_, ok := decodePrivate(private)
	return ok
}

// BenchmarkRefresh is one resource's refresh (ReadResource, then PlanResourceChange of what it
// read) of the bench's configuration, through the framework and through the fast path; with
// -cpuprofile it shows where a refresh's CPU goes. The emulator answers in-process, without latency.
func BenchmarkRefresh(b *testing.B) {
	r := newFastPathRig(b, emulator.Config{})
	yes := true
	doc := r.create(client.Connection{Name: "bench", RDBMS: &client.RDBMS{Host: "db.example.com", Port: 5432, Database: "orders",
		User: "svc", Password: "pw", SSL: &client.SSL{CA: fastTestCA}, UseSSL: &yes}})
	state := r.stateFor(doc, "pw", nil)
	config := configOf(state, true)
	readReq := &tfprotov6.ReadResourceRequest{TypeName: fastPathTypeName, CurrentState: r.dynamic(state),
		CurrentIdentity: r.identity(doc.ID), Private: privateOf(b, map[string]string{savedLevelKey: "5"})}
	planReq := &tfprotov6.PlanResourceChangeRequest{TypeName: fastPathTypeName, Config: r.dynamic(config),
		ProposedNewState: r.dynamic(proposedNew(r.p.fast.schema, state, config))}
	for _, path := range []struct {
		name string
		read func() *tfprotov6.ReadResourceResponse
		plan func(*tfprotov6.PlanResourceChangeRequest) *tfprotov6.PlanResourceChangeResponse
	}{
		{"framework", func() *tfprotov6.ReadResourceResponse { resp, _ := r.fw.ReadResource(r.ctx, readReq); return resp },
			func(req *tfprotov6.PlanResourceChangeRequest) *tfprotov6.PlanResourceChangeResponse {
				resp, _ := r.fw.PlanResourceChange(r.ctx, req)
				return resp
			}},
		{"fast", func() *tfprotov6.ReadResourceResponse { resp, _ := r.p.FastReadResource(r.ctx, readReq); return resp },
			func(req *tfprotov6.PlanResourceChangeRequest) *tfprotov6.PlanResourceChangeResponse {
				resp, _ := r.p.FastPlanResourceChange(r.ctx, req)
				return resp
			}},
	} {
		b.Run(path.name, func(b *testing.B) {
			for b.Loop() {
				read := path.read()
				req := *planReq
				req.PriorState, req.PriorPrivate, req.PriorIdentity = read.NewState, read.Private, read.NewIdentity
				req.ProposedNewState = read.NewState
				if plan := path.plan(&req); plan == nil || len(plan.Diagnostics) > 0 {
					b.Fatalf("the plan failed: %+v", plan)
				}
			}
		})
	}
}
