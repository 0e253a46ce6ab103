package provider

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// The equivalence harness of the fast validation and upgrade
// (postgres_connection_refresh_fast_path_validate.go), as for reads and plans: each request goes
// to the framework and to the fast path, and wherever the fast path answers, its answer must be
// the framework's. Diagnostics of a validation are compared as a set: the framework validates
// the attributes in Go's map order.

// validate runs one ValidateResourceConfig both ways and reports whether the fast path answered.
func (r *fastPathRig) validate(name string, req *tfprotov6.ValidateResourceConfigRequest) ([]*tfprotov6.Diagnostic, bool) {
	r.t.Helper()
	req.TypeName = fastPathTypeName
	want, err := r.fw.ValidateResourceConfig(r.ctx, req)
	if err != nil {
		r.t.Fatalf("%s: the framework's ValidateResourceConfig: %v", name, err)
	}
	got, ok := r.p.FastValidateResourceConfig(r.ctx, req)
	if ok {
		if a, b := sortedDiags(got.Diagnostics), sortedDiags(want.Diagnostics); a != b {
			r.t.Errorf("%s: ValidateResourceConfig differs from the framework's:\nfast:      %s\nframework: %s", name, a, b)
		}
	}
	return want.Diagnostics, ok
}

// sortedDiags describes diagnostics, path included, one per line, sorted.
func sortedDiags(diags []*tfprotov6.Diagnostic) string {
	lines := make([]string, 0, len(diags))
	for _, d := range diags {
		lines = append(lines, fmt.Sprintf("%v %v %q %q", d.Severity, d.Attribute, d.Summary, d.Detail))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// upgrade runs one UpgradeResourceState both ways and reports whether the fast path answered.
func (r *fastPathRig) upgrade(name string, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, bool) {
	r.t.Helper()
	req.TypeName = fastPathTypeName
	want, err := r.fw.UpgradeResourceState(r.ctx, req)
	if err != nil {
		r.t.Fatalf("%s: the framework's UpgradeResourceState: %v", name, err)
	}
	got, ok := r.p.FastUpgradeResourceState(r.ctx, req)
	if ok && (!equalDynamic(got.UpgradedState, want.UpgradedState) || describeDiags(got.Diagnostics) != describeDiags(want.Diagnostics)) {
		r.t.Errorf("%s: UpgradeResourceState differs from the framework's:\nfast:      %s %s\nframework: %s %s", name,
			describeValue(r, r.p.fast.objectType, got.UpgradedState), describeDiags(got.Diagnostics),
			describeValue(r, r.p.fast.objectType, want.UpgradedState), describeDiags(want.Diagnostics))
	}
	return want, ok
}

// equalDynamic compares two encoded values byte for byte: the fast path and the framework encode
// with the same tfprotov6.NewDynamicValue, and this schema has no map of more than one entry in
// these cases' states.
func equalDynamic(a, b *tfprotov6.DynamicValue) bool {
	if a == nil || b == nil {
		return a == b
	}
	return string(a.MsgPack) == string(b.MsgPack) && string(a.JSON) == string(b.JSON)
}

// validationCase is a configuration, changed from a valid one, and whether the fast path must
// answer it.
type validationCase struct {
	name      string
	tune      func(*postgresConnectionModel)
	writeOnly bool // the client allows write-only attributes
	errors    int  // error diagnostics the framework gives
}

func TestRefreshFastPath_validateAnswersAsTheFramework(t *testing.T) {
	r := newFastPathRig(t, emulator.Config{})
	if _, ok := any(&postgresConnectionResource{}).(resource.ResourceWithConfigValidators); ok {
		t.Fatal("the resource has config validators: the fast validation does not run them (validateResourceConfig)")
	}
	yes := true
	doc := r.create(client.Connection{Name: "validate", RDBMS: &client.RDBMS{Host: "db.example.com", Port: 5432, Database: "orders",
		User: "svc", Password: "pw", SSL: &client.SSL{CA: fastTestCA}, UseSSL: &yes}})
	pem, err := makeBenchPEM()
	if err != nil {
		t.Fatal(err)
	}
	ca := pem.CA
	str := types.StringValue
	unknown := types.StringUnknown()
	check := func(attrs map[string]attr.Value) types.Object {
		typ := r.p.fast.attrTypes["connectivity_check"].(types.ObjectType)
		values := map[string]attr.Value{}
		for name, at := range typ.AttrTypes {
			v, _ := at.ValueFromTerraform(r.ctx, tftypes.NewValue(at.TerraformType(r.ctx), nil))
			values[name] = v
		}
		for k, v := range attrs {
			values[k] = v
		}
		obj, diags := types.ObjectValue(typ.AttrTypes, values)
		if diags.HasError() {
			t.Fatalf("connectivity_check: %v", diags)
		}
		return obj
	}
	properties := func(kv ...string) types.Map {
		values := map[string]attr.Value{}
		for i := 0; i+1 < len(kv); i += 2 {
			values[kv[i]] = str(kv[i+1])
		}
		return types.MapValueMust(types.StringType, values)
	}
	cases := []validationCase{
		{name: "valid", writeOnly: true},
		{name: "valid, defaults left out", tune: func(m *postgresConnectionModel) {
			m.Port, m.Mode, m.ConcurrencyLevel = types.Int64Null(), types.StringNull(), types.Int64Null()
		}},
		{name: "unknown values", tune: func(m *postgresConnectionModel) {
			m.Name, m.Host, m.Password, m.Port = unknown, unknown, unknown, types.Int64Unknown()
		}},
		{name: "name missing", tune: func(m *postgresConnectionModel) { m.Name = types.StringNull() }, errors: 1},
		{name: "name empty and port out of range", tune: func(m *postgresConnectionModel) { m.Name, m.Port = str(""), types.Int64Value(70000) }, errors: 2},
		{name: "a control character", tune: func(m *postgresConnectionModel) { m.Database = str("orders\x07") }, errors: 1},
		{name: "a mode misspelled", tune: func(m *postgresConnectionModel) { m.Mode = str("onpremise") }, errors: 1},
		{name: "on-premise without agent", tune: func(m *postgresConnectionModel) { m.Mode = str(modeOnPremise) }, errors: 1},
		{name: "an agent id that is not one", tune: func(m *postgresConnectionModel) { m.Mode, m.AgentID = str(modeOnPremise), str("agent-1") }, errors: 1},
		{name: "a read-only attribute set", tune: func(m *postgresConnectionModel) { m.ID, m.Offline = str(doc.ID), types.BoolValue(true) }, errors: 2},
		{name: "both passwords", writeOnly: true, tune: func(m *postgresConnectionModel) { m.PasswordWO = str("pw") }, errors: 1},
		{name: "a write-only password the client cannot take", tune: func(m *postgresConnectionModel) {
			m.Password, m.PasswordWO, m.PasswordWOVersion = types.StringNull(), str("pw"), types.Int64Value(1)
		}, errors: 1},
		{name: "a write-only password", writeOnly: true, tune: func(m *postgresConnectionModel) {
			m.Password, m.PasswordWO, m.PasswordWOVersion = types.StringNull(), str("pw"), types.Int64Value(1)
		}},
		{name: "a password version without the password", writeOnly: true, tune: func(m *postgresConnectionModel) { m.PasswordWOVersion = types.Int64Value(2) }, errors: 1},
		{name: "certificate login", tune: func(m *postgresConnectionModel) { m.SSLCertificate, m.SSLKey = str(pem.Cert), str(pem.Key) }},
		{name: "an encrypted key", tune: func(m *postgresConnectionModel) {
			m.SSLCertificate, m.SSLKey, m.SSLPassphrase = str(pem.Cert), str(pem.EncryptedKey), str(pem.Passphrase)
		}},
		{name: "a key without a certificate", tune: func(m *postgresConnectionModel) { m.SSLKey = str(pem.Key) }, errors: 1},
		{name: "a key that is not one", tune: func(m *postgresConnectionModel) { m.SSLCertificate, m.SSLKey = str(pem.Cert), str(fastTestKey) }, errors: 1},
		{name: "a CA that is not PEM", tune: func(m *postgresConnectionModel) { m.SSLCA = str("not a certificate") }, errors: 1},
		{name: "TLS material without TLS", tune: func(m *postgresConnectionModel) { m.UseSSL = types.BoolValue(false) }, errors: 2},
		{name: "both concurrency settings", tune: func(m *postgresConnectionModel) { m.BorrowConcurrencyFrom = str(doc.ID) }, errors: 1},
		{name: "concurrency out of range", tune: func(m *postgresConnectionModel) { m.ConcurrencyLevel = types.Int64Value(0) }, errors: 1},
		{name: "properties", tune: func(m *postgresConnectionModel) {
			m.Properties = properties("application_name", "orders", "connect_timeout", "5")
		}},
		{name: "a property another attribute owns", tune: func(m *postgresConnectionModel) { m.Properties = properties("password", "x") }, errors: 1},
		{name: "connectivity checks", tune: func(m *postgresConnectionModel) {
			m.ConnectivityCheck = check(map[string]attr.Value{"direct": types.BoolValue(false), "via_api": types.BoolValue(true)})
		}},
		{name: "a connectivity check timeout that is no duration", tune: func(m *postgresConnectionModel) {
			m.ConnectivityCheck = check(map[string]attr.Value{"timeout": str("ten seconds")})
		}, errors: 1},
		{name: "a connectivity check unknown", tune: func(m *postgresConnectionModel) {
			m.ConnectivityCheck = types.ObjectUnknown(r.p.fast.attrTypes["connectivity_check"].(types.ObjectType).AttrTypes)
		}},
	}
	for _, c := range cases {
		state := r.stateFor(doc, "pw", func(m *postgresConnectionModel) { m.SSLCA = str(ca) })
		m := configOf(state, false)
		if c.tune != nil {
			c.tune(&m)
		}
		req := &tfprotov6.ValidateResourceConfigRequest{Config: r.dynamic(m)}
		if c.writeOnly {
			req.ClientCapabilities = &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: true}
		}
		diags, ok := r.validate(c.name, req)
		if !ok {
			t.Errorf("%s: the fast path declined a configuration it must answer", c.name)
		}
		errors := 0
		for _, d := range diags {
			if d.Severity == tfprotov6.DiagnosticSeverityError {
				errors++
			}
		}
		if errors != c.errors {
			t.Errorf("%s: the framework gave %d errors, the case expects %d (so it tests something else):\n%s", c.name, errors, c.errors, sortedDiags(diags))
		}
	}

	// What the fast path leaves to the framework.
	for name, req := range map[string]*tfprotov6.ValidateResourceConfigRequest{
		"no configuration":          {},
		"another resource type":     {TypeName: "integratorio_other"},
		"an undecodable value":      {Config: &tfprotov6.DynamicValue{MsgPack: []byte{0xc1}}},
		"a wholly unknown value":    {Config: r.p.fast.encode(tftypes.NewValue(r.p.fast.objectType, tftypes.UnknownValue))},
		"a null configuration":      {Config: r.p.fast.encode(tftypes.NewValue(r.p.fast.objectType, nil))},
		"a value of the wrong type": {Config: mustDynamic(t, tftypes.String, tftypes.NewValue(tftypes.String, "x"))},
	} {
		typeName := req.TypeName
		if typeName == "" {
			typeName = fastPathTypeName
		}
		req.TypeName = typeName
		if _, ok := r.p.FastValidateResourceConfig(r.ctx, req); ok {
			t.Errorf("%s: the fast path answered", name)
		}
	}
}

func mustDynamic(t *testing.T, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// stateJSON is v as Terraform stores it: the JSON of the attributes' values.
func stateJSON(t testing.TB, v tftypes.Value) []byte {
	t.Helper()
	raw, err := json.Marshal(stateJSONValue(t, v))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func stateJSONValue(t testing.TB, v tftypes.Value) any {
	if v.IsNull() {
		return nil
	}
	switch {
	case v.Type().Is(tftypes.String):
		var s string
		_ = v.As(&s)
		return s
	case v.Type().Is(tftypes.Bool):
		var b bool
		_ = v.As(&b)
		return b
	case v.Type().Is(tftypes.Number):
		var n big.Float
		_ = v.As(&n)
		return json.Number(n.Text('f', -1))
	}
	var values map[string]tftypes.Value
	if err := v.As(&values); err != nil {
		t.Fatalf("a value stateJSON does not write: %v", err)
	}
	out := map[string]any{}
	for k, e := range values {
		out[k] = stateJSONValue(t, e)
	}
	return out
}

func TestRefreshFastPath_upgradeAnswersAsTheFramework(t *testing.T) {
	r := newFastPathRig(t, emulator.Config{})
	yes := true
	doc := r.create(client.Connection{Name: "upgrade", RDBMS: &client.RDBMS{Host: "db.example.com", Port: 5432, Database: "orders",
		User: "svc", Password: "pw", SSL: &client.SSL{CA: fastTestCA}, UseSSL: &yes}})
	r.p.fast.init(r.ctx)
	version := r.p.fast.schema.Version
	full := r.stateFor(doc, "pw", func(m *postgresConnectionModel) {
		m.Properties = types.MapValueMust(types.StringType, map[string]attr.Value{"application_name": types.StringValue("orders")})
	})
	fullValue, _ := r.p.fast.valueOf(r.ctx, full)
	stored := stateJSON(t, fullValue)
	var withExtra map[string]any
	_ = json.Unmarshal(stored, &withExtra)
	withExtra["an_attribute_since_removed"] = "x"
	extra, _ := json.Marshal(withExtra)
	delete(withExtra, "an_attribute_since_removed")
	delete(withExtra, "properties")
	missing, _ := json.Marshal(withExtra)

	for _, c := range []struct {
		name   string
		state  *tfprotov6.RawState
		ver    int64
		answer bool
	}{
		{"the current version", &tfprotov6.RawState{JSON: stored}, version, true},
		{"an attribute the schema no longer has", &tfprotov6.RawState{JSON: extra}, version, true},
		{"an attribute missing", &tfprotov6.RawState{JSON: missing}, version, true},
		{"an older version, for the state upgraders", &tfprotov6.RawState{JSON: stored}, version - 1, false},
		{"JSON that is not an object of the schema", &tfprotov6.RawState{JSON: []byte(`{"port":"five"}`)}, version, false},
		{"flatmap state", &tfprotov6.RawState{Flatmap: map[string]string{"id": doc.ID}}, version, false},
		{"no state", nil, version, false},
	} {
		_, ok := r.upgrade(c.name, &tfprotov6.UpgradeResourceStateRequest{Version: c.ver, RawState: c.state})
		if ok != c.answer {
			t.Errorf("%s: the fast path answered %v, want %v", c.name, ok, c.answer)
		}
	}
}

// FuzzRefreshFastPathValidate validates random configurations both ways.
func FuzzRefreshFastPathValidate(f *testing.F) {
	r := newFastPathRig(f, emulator.Config{})
	f.Add("orders", "cloud", "", "db.example.com", int64(5432), "orders", "svc", "pw", "", int64(0), true, fastTestCA, "", int64(5), "", "application_name", "x", true)
	f.Add("", "on_premise", "agent", "db example.com", int64(0), "", "", "", "pw", int64(3), false, "junk", fastTestKey, int64(0), "0123456789abcdef01234567", "password", "", false)
	f.Add("a\nb", "Cloud", "0123456789abcdef01234567", "[::1]", int64(-1), "d", "u", "p", "p", int64(-4), true, "", "", int64(1000), "x", "connect_timeout", "ten", true)
	f.Fuzz(func(t *testing.T, name, mode, agent, host string, port int64, database, username, password, passwordWO string, version int64,
		useSSL bool, ca, key string, level int64, borrow, property, propertyValue string, writeOnly bool) {
		r.t = t
		optional := func(s string) types.String {
			if s == "" {
				return types.StringNull()
			}
			return types.StringValue(s)
		}
		optionalInt := func(n int64) types.Int64 {
			if n == 0 {
				return types.Int64Null()
			}
			return types.Int64Value(n)
		}
		m := r.nullModel()
		m.Name, m.Mode, m.AgentID, m.Host, m.Port = types.StringValue(name), optional(mode), optional(agent), optional(host), optionalInt(port)
		m.Database, m.Username, m.Password, m.PasswordWO = optional(database), optional(username), optional(password), optional(passwordWO)
		m.PasswordWOVersion, m.UseSSL, m.SSLCA, m.SSLKey = optionalInt(version), types.BoolValue(useSSL), optional(ca), optional(key)
		m.ConcurrencyLevel, m.BorrowConcurrencyFrom = optionalInt(level), optional(borrow)
		if property != "" {
			m.Properties = types.MapValueMust(types.StringType, map[string]attr.Value{property: types.StringValue(propertyValue)})
		}
		if !isValidUTF8Model(m) {
			t.Skip("msgpack strings are UTF-8")
		}
		req := &tfprotov6.ValidateResourceConfigRequest{Config: r.dynamic(m),
			ClientCapabilities: &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: writeOnly}}
		if _, ok := r.validate("fuzz", req); !ok {
			t.Errorf("the fast path declined a configuration of the schema")
		}
	})
}

// isValidUTF8Model reports whether every string the fuzzer put in m is valid UTF-8, as every
// string Terraform sends is.
func isValidUTF8Model(m postgresConnectionModel) bool {
	for _, v := range m.attributes() {
		if s, ok := v.(types.String); ok && !s.IsNull() && !s.IsUnknown() && !utf8.ValidString(s.ValueString()) {
			return false
		}
	}
	return true
}

// BenchmarkRefreshValidateAndUpgrade is the other two calls of one resource's refresh,
// UpgradeResourceState of its stored state and ValidateResourceConfig of its configuration (the
// bench's: verified TLS with a CA), through the framework and through the fast path.
func BenchmarkRefreshValidateAndUpgrade(b *testing.B) {
	r := newFastPathRig(b, emulator.Config{})
	pem := benchMaterial(b)
	yes := true
	doc := r.create(client.Connection{Name: "bench", RDBMS: &client.RDBMS{Host: "db.example.com", Port: 5432, Database: "orders",
		User: "svc", Password: "pw", SSL: &client.SSL{CA: pem.CA}, UseSSL: &yes}})
	state := r.stateFor(doc, "pw", func(m *postgresConnectionModel) { m.SSLCA = types.StringValue(pem.CA) })
	stateValue, _ := r.p.fast.valueOf(r.ctx, state)
	upgradeReq := &tfprotov6.UpgradeResourceStateRequest{TypeName: fastPathTypeName, Version: r.p.fast.schema.Version,
		RawState: &tfprotov6.RawState{JSON: stateJSON(b, stateValue)}}
	validateReq := &tfprotov6.ValidateResourceConfigRequest{TypeName: fastPathTypeName, Config: r.dynamic(configOf(state, true)),
		ClientCapabilities: &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: true}}
	for _, path := range []struct {
		name     string
		upgrade  func() *tfprotov6.UpgradeResourceStateResponse
		validate func() *tfprotov6.ValidateResourceConfigResponse
	}{
		{"framework", func() *tfprotov6.UpgradeResourceStateResponse {
			resp, _ := r.fw.UpgradeResourceState(r.ctx, upgradeReq)
			return resp
		},
			func() *tfprotov6.ValidateResourceConfigResponse {
				resp, _ := r.fw.ValidateResourceConfig(r.ctx, validateReq)
				return resp
			}},
		{"fast", func() *tfprotov6.UpgradeResourceStateResponse {
			resp, _ := r.p.FastUpgradeResourceState(r.ctx, upgradeReq)
			return resp
		},
			func() *tfprotov6.ValidateResourceConfigResponse {
				resp, _ := r.p.FastValidateResourceConfig(r.ctx, validateReq)
				return resp
			}},
	} {
		b.Run(path.name, func(b *testing.B) {
			for b.Loop() {
				if up := path.upgrade(); up == nil || up.UpgradedState == nil || len(up.Diagnostics) > 0 {
					b.Fatalf("the upgrade failed: %+v", up)
				}
				if v := path.validate(); v == nil || len(v.Diagnostics) > 0 {
					b.Fatalf("the validation failed: %+v", v)
				}
			}
		})
	}
}
