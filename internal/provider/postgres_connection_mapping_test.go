package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// The mapping between the model and the API document, as a table: each case is a document as
// integrator.io answers it (JSON, so string ports and absent fields are the API's own), the state
// before the read and what the last save recorded, and the attributes the read must give, shown
// as the framework prints values ("<null>" for null). It runs in milliseconds and names the case
// that broke; the acceptance tests prove the same through the CLI and the emulator.

const (
	mapCA   = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"
	mapCert = "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n"
	mapKey  = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n"
)

// q is a string as the framework prints a string value.
func q(s string) string { return fmt.Sprintf("%q", s) }

// configuredModel is a cloud connection with password, full certificate login and a property,
// as state holds it after a create.
func configuredModel() postgresConnectionModel {
	m := emptyConnectionModel()
	m.ID, m.Name, m.Mode = types.StringValue("62beb2c2a0f5f2144816f818"), types.StringValue("orders"), types.StringValue(modeCloud)
	m.Host, m.Port, m.Database, m.Username = types.StringValue("db.example.com"), types.Int64Value(5432), types.StringValue("appdb"), types.StringValue("app")
	m.Password = types.StringValue("s3cret")
	m.UseSSL, m.SSLVerifyServerCertificate = types.BoolValue(true), types.BoolValue(true)
	m.SSLCA, m.SSLCertificate, m.SSLKey, m.SSLPassphrase = types.StringValue(mapCA), types.StringValue(mapCert), types.StringValue(mapKey), types.StringValue("pp")
	m.ConcurrencyLevel, m.ConcurrencyLevelInForce = types.Int64Value(5), types.Int64Value(5)
	m.Properties = types.MapValueMust(types.StringType, map[string]attr.Value{"connectTimeout": types.StringValue("30")})
	m.Offline = types.BoolValue(false)
	return m
}

// docJSON is the document integrator.io answers for configuredModel, with rdbms fields replaced
// or removed (a nil value removes one) and top-level fields set.
func docJSON(t *testing.T, rdbms map[string]any, top map[string]any) *client.Connection {
	t.Helper()
	db := map[string]any{
		"type": "postgresql", "host": "db.example.com", "port": 5432, "database": "appdb", "user": "app",
		"password": client.Masked, "useSSL": true, "concurrencyLevel": 5,
		"ssl":     map[string]any{"ca": mapCA, "cert": mapCert, "key": client.Masked, "passphrase": client.Masked},
		"options": []any{map[string]any{"name": "connectTimeout", "value": "30"}},
	}
	for k, v := range rdbms {
		if v == nil {
			delete(db, k)
		} else {
			db[k] = v
		}
	}
	doc := map[string]any{"_id": "62beb2c2a0f5f2144816f818", "type": "rdbms", "name": "orders", "offline": false, "rdbms": db}
	maps.Copy(doc, top)
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var c client.Connection
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("the document does not decode: %s\n%s", err, raw)
	}
	return &c
}

func TestFromDocument_table(t *testing.T) {
	t.Parallel()
	withPrior := func(change func(*postgresConnectionModel)) postgresConnectionModel {
		m := configuredModel()
		change(&m)
		return m
	}
	writeOnly := withPrior(func(m *postgresConnectionModel) {
		m.Password, m.PasswordWOVersion = types.StringNull(), types.Int64Value(1)
	})
	noSSL := withPrior(func(m *postgresConnectionModel) {
		m.UseSSL, m.SSLVerifyServerCertificate = types.BoolValue(false), types.BoolNull()
		m.SSLCA, m.SSLCertificate, m.SSLKey, m.SSLPassphrase = types.StringNull(), types.StringNull(), types.StringNull(), types.StringNull()
	})
	sslNoMaterial := withPrior(func(m *postgresConnectionModel) {
		m.SSLCA, m.SSLCertificate, m.SSLKey, m.SSLPassphrase = types.StringNull(), types.StringNull(), types.StringNull(), types.StringNull()
	})
	emptyProps := withPrior(func(m *postgresConnectionModel) {
		m.Properties = types.MapValueMust(types.StringType, map[string]attr.Value{})
	})
	hiddenCA := savedFacts{level: types.Int64Value(5), hidden: map[string]bool{"ssl_ca": true, "ssl_certificate": true}}

	cases := []struct {
		name  string
		doc   *client.Connection
		prior postgresConnectionModel
		saved savedFacts
		want  map[string]string
	}{
		{"masked secrets keep the prior values", docJSON(t, nil, nil), configuredModel(), savedFacts{},
			map[string]string{"password": `"s3cret"`, "ssl_key": q(mapKey), "ssl_passphrase": `"pp"`, "ssl_ca": q(mapCA)}},
		{"an absent password is null (drift)", docJSON(t, map[string]any{"password": nil}, nil), configuredModel(), savedFacts{},
			map[string]string{"password": "<null>"}},
		{"a returned (unmasked) password is never stored", docJSON(t, map[string]any{"password": "leaked"}, nil), configuredModel(), savedFacts{},
			map[string]string{"password": `"s3cret"`}},
		{"a returned password is never stored, write-only", docJSON(t, map[string]any{"password": "leaked"}, nil), writeOnly, savedFacts{},
			map[string]string{"password": "<null>", "password_wo": "<null>", "password_wo_version": "1"}},
		{"masked certificates keep the prior values", docJSON(t, map[string]any{"ssl": map[string]any{"ca": client.Masked, "cert": client.Masked, "key": client.Masked}}, nil),
			configuredModel(), savedFacts{}, map[string]string{"ssl_ca": q(mapCA), "ssl_certificate": q(mapCert)}},
		{"a certificate changed outside Terraform is read", docJSON(t, map[string]any{"ssl": map[string]any{"ca": mapCert, "key": client.Masked}}, nil),
			configuredModel(), savedFacts{}, map[string]string{"ssl_ca": q(mapCert)}},
		{"certificates absent: drift", docJSON(t, map[string]any{"ssl": map[string]any{"key": client.Masked, "passphrase": client.Masked}}, nil),
			configuredModel(), savedFacts{}, map[string]string{"ssl_ca": "<null>", "ssl_certificate": "<null>"}},
		{"certificates absent that the last save hid: kept", docJSON(t, map[string]any{"ssl": map[string]any{"key": client.Masked, "passphrase": client.Masked}}, nil),
			configuredModel(), hiddenCA, map[string]string{"ssl_ca": q(mapCA), "ssl_certificate": q(mapCert)}},
		{"an empty ssl object with useSSL: SSL on, nothing expected", docJSON(t, map[string]any{"ssl": map[string]any{}}, nil), sslNoMaterial, savedFacts{},
			map[string]string{"use_ssl": "true", "ssl_ca": "<null>", "ssl_verify_server_certificate": "true"}},
		{"ssl dropped, no useSSL, none expected: use_ssl stands", docJSON(t, map[string]any{"ssl": nil, "useSSL": nil}, nil), sslNoMaterial, savedFacts{},
			map[string]string{"use_ssl": "true", "ssl_verify_server_certificate": "true"}},
		{"ssl dropped, no useSSL, material expected: SSL off (drift)", docJSON(t, map[string]any{"ssl": nil, "useSSL": nil}, nil), configuredModel(), savedFacts{},
			map[string]string{"use_ssl": "false", "ssl_ca": "<null>", "ssl_key": "<null>", "ssl_verify_server_certificate": "<null>"}},
		{"useSSL false wins over an ssl object", docJSON(t, map[string]any{"useSSL": false}, nil), configuredModel(), savedFacts{},
			map[string]string{"use_ssl": "false", "ssl_ca": "<null>", "ssl_verify_server_certificate": "<null>"}},
		{"no SSL at all", docJSON(t, map[string]any{"ssl": nil, "useSSL": false}, nil), noSSL, savedFacts{},
			map[string]string{"use_ssl": "false", "ssl_verify_server_certificate": "<null>"}},
		{"disableStrictSSL", docJSON(t, map[string]any{"disableStrictSSL": true}, nil), configuredModel(), savedFacts{},
			map[string]string{"ssl_verify_server_certificate": "false"}},
		{"options absent, prior empty map: kept as written", docJSON(t, map[string]any{"options": nil}, nil), emptyProps, savedFacts{},
			map[string]string{"properties": "{}"}},
		{"options absent: null", docJSON(t, map[string]any{"options": nil}, nil), configuredModel(), savedFacts{},
			map[string]string{"properties": "<null>"}},
		{"options empty: null", docJSON(t, map[string]any{"options": []any{}}, nil), configuredModel(), savedFacts{},
			map[string]string{"properties": "<null>"}},
		{"options read as they are", docJSON(t, map[string]any{"options": []any{map[string]any{"name": "application_name", "value": "etl"}}}, nil),
			configuredModel(), savedFacts{}, map[string]string{"properties": `{"application_name":"etl"}`}},
		{"a string port", docJSON(t, map[string]any{"port": "5433"}, nil), configuredModel(), savedFacts{}, map[string]string{"port": "5433"}},
		{"a string port with spaces", docJSON(t, map[string]any{"port": " 6432 "}, nil), configuredModel(), savedFacts{}, map[string]string{"port": "6432"}},
		{"no port: the default", docJSON(t, map[string]any{"port": nil}, nil), configuredModel(), savedFacts{}, map[string]string{"port": "5432"}},
		{"borrowed concurrency", docJSON(t, map[string]any{"concurrencyLevel": nil}, map[string]any{"_borrowConcurrencyFromConnectionId": "aaaaaaaaaaaaaaaaaaaaaaaa"}),
			configuredModel(), savedFacts{}, map[string]string{"borrow_concurrency_from": `"aaaaaaaaaaaaaaaaaaaaaaaa"`, "concurrency_level": "<null>", "concurrency_level_in_force": "<null>"}},
		{"no level: the default", docJSON(t, map[string]any{"concurrencyLevel": nil}, nil), configuredModel(), savedFacts{},
			map[string]string{"concurrency_level": "5", "concurrency_level_in_force": "5", "borrow_concurrency_from": "<null>"}},
		{"a level lowered by the licence at the last save", docJSON(t, map[string]any{"concurrencyLevel": 25}, nil),
			withPrior(func(m *postgresConnectionModel) { m.ConcurrencyLevel = types.Int64Value(40) }), savedFacts{level: types.Int64Value(25)},
			map[string]string{"concurrency_level": "40", "concurrency_level_in_force": "25"}},
		{"on-premise", docJSON(t, nil, map[string]any{"_agentId": "bbbbbbbbbbbbbbbbbbbbbbbb"}), configuredModel(), savedFacts{},
			map[string]string{"mode": `"on_premise"`, "agent_id": `"bbbbbbbbbbbbbbbbbbbbbbbb"`}},
		{"cloud after on-premise", docJSON(t, nil, nil),
			withPrior(func(m *postgresConnectionModel) {
				m.Mode, m.AgentID = types.StringValue(modeOnPremise), types.StringValue("b")
			}), savedFacts{},
			map[string]string{"mode": `"cloud"`, "agent_id": "<null>"}},
		{"offline", docJSON(t, nil, map[string]any{"offline": true}), configuredModel(), savedFacts{}, map[string]string{"offline": "true"}},
		{"renamed outside Terraform", docJSON(t, nil, map[string]any{"name": "orders-2"}), configuredModel(), savedFacts{}, map[string]string{"name": `"orders-2"`}},
		{"a first read (import, list, data source): secrets unknown to state are null", docJSON(t, nil, nil), emptyConnectionModel(), savedFacts{},
			map[string]string{"password": "<null>", "ssl_key": "<null>", "ssl_ca": q(mapCA), "use_ssl": "true", "properties": `{"connectTimeout":"30"}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := fromDocument(tc.doc, tc.prior, tc.saved).attributes()
			for _, name := range slices.Sorted(maps.Keys(tc.want)) {
				v, ok := got[name]
				if !ok {
					t.Fatalf("the model has no attribute %q", name)
				}
				if v.String() != tc.want[name] {
					t.Errorf("%s = %s, want %s", name, v.String(), tc.want[name])
				}
			}
		})
	}
}

func TestToDocument_table(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		change  func(*postgresConnectionModel)
		secrets secrets
		check   func(t *testing.T, doc *client.Connection)
	}{
		{"the full document", nil, secrets{Password: "pw", Key: mapKey, Passphrase: "pp"}, func(t *testing.T, doc *client.Connection) {
			db := doc.RDBMS
			if doc.Type != client.ConnectionTypeRDBMS || db.Type != client.RDBMSTypePostgreSQL || doc.Name != "orders" || db.Host != "db.example.com" ||
				db.Port != 5432 || db.Database != "appdb" || db.User != "app" || db.Password != "pw" || db.ConcurrencyLevel != 5 || doc.AgentID != "" {
				t.Errorf("document %+v, rdbms %+v", doc, db)
			}
			if db.SSL == nil || db.SSL.CA != mapCA || db.SSL.Cert != mapCert || db.SSL.Key != mapKey || db.SSL.Passphrase != "pp" || db.DisableStrictSSL {
				t.Errorf("ssl %+v, disableStrictSSL %v", db.SSL, db.DisableStrictSSL)
			}
		}},
		{"secrets come from what the caller gives, never from the model", func(m *postgresConnectionModel) { m.Password = types.StringValue("in-state") },
			secrets{Password: "given"}, func(t *testing.T, doc *client.Connection) {
				if doc.RDBMS.Password != "given" {
					t.Errorf("password %q", doc.RDBMS.Password)
				}
			}},
		{"not verifying the server", func(m *postgresConnectionModel) { m.SSLVerifyServerCertificate = types.BoolValue(false) }, secrets{},
			func(t *testing.T, doc *client.Connection) {
				if !doc.RDBMS.DisableStrictSSL {
					t.Error("disableStrictSSL not sent")
				}
			}},
		{"SSL off: no ssl object, useSSL false", func(m *postgresConnectionModel) {
			m.UseSSL, m.SSLVerifyServerCertificate = types.BoolValue(false), types.BoolValue(false)
		}, secrets{}, func(t *testing.T, doc *client.Connection) {
			if doc.RDBMS.SSL != nil || doc.RDBMS.DisableStrictSSL || doc.RDBMS.UseSSL == nil || *doc.RDBMS.UseSSL {
				t.Errorf("ssl %+v, disableStrictSSL %v, useSSL %v", doc.RDBMS.SSL, doc.RDBMS.DisableStrictSSL, doc.RDBMS.UseSSL)
			}
		}},
		{"borrowed concurrency sends no level", func(m *postgresConnectionModel) {
			m.BorrowConcurrencyFrom = types.StringValue("aaaaaaaaaaaaaaaaaaaaaaaa")
		}, secrets{}, func(t *testing.T, doc *client.Connection) {
			if doc.BorrowConcurrencyFromConnectionID != "aaaaaaaaaaaaaaaaaaaaaaaa" || doc.RDBMS.ConcurrencyLevel != 0 {
				t.Errorf("borrow %q, level %d", doc.BorrowConcurrencyFromConnectionID, doc.RDBMS.ConcurrencyLevel)
			}
		}},
		{"an unknown level is not sent", func(m *postgresConnectionModel) { m.ConcurrencyLevel = types.Int64Unknown() }, secrets{},
			func(t *testing.T, doc *client.Connection) {
				if doc.RDBMS.ConcurrencyLevel != 0 {
					t.Errorf("level %d", doc.RDBMS.ConcurrencyLevel)
				}
			}},
		{"on-premise sends the agent", func(m *postgresConnectionModel) {
			m.Mode, m.AgentID = types.StringValue(modeOnPremise), types.StringValue("bbbbbbbbbbbbbbbbbbbbbbbb")
		}, secrets{}, func(t *testing.T, doc *client.Connection) {
			if doc.AgentID != "bbbbbbbbbbbbbbbbbbbbbbbb" {
				t.Errorf("agent %q", doc.AgentID)
			}
		}},
		{"an agent id in cloud mode is not sent", func(m *postgresConnectionModel) { m.AgentID = types.StringValue("b") }, secrets{},
			func(t *testing.T, doc *client.Connection) {
				if doc.AgentID != "" {
					t.Errorf("agent %q", doc.AgentID)
				}
			}},
		{"properties in name order", func(m *postgresConnectionModel) {
			m.Properties = types.MapValueMust(types.StringType, map[string]attr.Value{"b": types.StringValue("2"), "a": types.StringValue("1"), "c": types.StringValue("3")})
		}, secrets{}, func(t *testing.T, doc *client.Connection) {
			want := []client.Option{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}, {Name: "c", Value: "3"}}
			if !slices.Equal(doc.RDBMS.Options, want) {
				t.Errorf("options %v, want %v", doc.RDBMS.Options, want)
			}
		}},
		{"no properties", func(m *postgresConnectionModel) { m.Properties = types.MapNull(types.StringType) }, secrets{},
			func(t *testing.T, doc *client.Connection) {
				if doc.RDBMS.Options != nil {
					t.Errorf("options %v", doc.RDBMS.Options)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := configuredModel()
			if tc.change != nil {
				tc.change(&m)
			}
			doc, diags := m.toDocument(t.Context(), tc.secrets)
			if diags.HasError() {
				t.Fatal(diags)
			}
			tc.check(t, doc)
		})
	}
}

// A document sent and read back maps to the state it came from: the round trip every create and
// refresh makes, with the secrets masked as integrator.io answers.
func TestToDocumentFromDocument_roundTrip(t *testing.T) {
	t.Parallel()
	m := configuredModel()
	doc, diags := m.toDocument(t.Context(), secrets{Password: "s3cret", Key: mapKey, Passphrase: "pp"})
	if diags.HasError() {
		t.Fatal(diags)
	}
	doc.ID = m.ID.ValueString()
	doc.RDBMS.Password, doc.RDBMS.SSL.Key, doc.RDBMS.SSL.Passphrase = client.Masked, client.Masked, client.Masked
	got, want := fromDocument(doc, m, savedFacts{}).attributes(), m.attributes()
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if !got[name].Equal(want[name]) {
			t.Errorf("%s: %s after the round trip, was %s", name, got[name], want[name])
		}
	}
}

func TestSecretsFrom(t *testing.T) {
	t.Parallel()
	plan := configuredModel()
	if got := secretsFrom(plan, plan); got != (secrets{Password: "s3cret", Key: mapKey, Passphrase: "pp"}) {
		t.Errorf("from the plan: %+v", got)
	}
	config := plan
	config.PasswordWO, config.SSLKeyWO, config.SSLPassphraseWO = types.StringValue("wo-pw"), types.StringValue("wo-key"), types.StringValue("wo-pp")
	if got := secretsFrom(plan, config); got != (secrets{Password: "wo-pw", Key: "wo-key", Passphrase: "wo-pp"}) {
		t.Errorf("write-only values from the configuration win: %+v", got)
	}
	config.PasswordWO = types.StringUnknown()
	if got := secretsFrom(plan, config); got.Password != "s3cret" {
		t.Errorf("an unknown write-only value is not sent: %+v", got)
	}
}

// memoryPrivate is private state in memory, as the framework keeps it between calls.
type memoryPrivate map[string][]byte

func (p memoryPrivate) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return p[key], nil
}

func (p memoryPrivate) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	if len(value) == 0 {
		delete(p, key)
	} else {
		p[key] = value
	}
	return nil
}

// What a save records and the next read finds: the level integrator.io applied and the fields its
// answer hid (sent, not shown); a borrowing connection records no level.
func TestRecordSavedFacts(t *testing.T) {
	t.Parallel()
	sent := func() *client.Connection {
		doc, _ := configuredModel().toDocument(t.Context(), secrets{Password: "pw", Key: mapKey, Passphrase: "pp"})
		return doc
	}
	answered := func(change func(*client.Connection)) *client.Connection {
		doc := sent()
		doc.RDBMS.Password, doc.RDBMS.SSL.Key, doc.RDBMS.SSL.Passphrase = client.Masked, client.Masked, client.Masked
		if change != nil {
			change(doc)
		}
		return doc
	}
	cases := []struct {
		name       string
		saved      *client.Connection
		wantLevel  string
		wantHidden []string
	}{
		{"masked: nothing hidden", answered(nil), "5", nil},
		{"certificates hidden", answered(func(d *client.Connection) { d.RDBMS.SSL.CA, d.RDBMS.SSL.Cert = "", "" }), "5", []string{"ssl_ca", "ssl_certificate"}},
		{"ssl object dropped", answered(func(d *client.Connection) { d.RDBMS.SSL = nil }), "5", []string{"ssl_ca", "ssl_certificate", "ssl_key", "ssl_passphrase"}},
		{"password hidden", answered(func(d *client.Connection) { d.RDBMS.Password = "" }), "5", []string{"password"}},
		{"a level lowered", answered(func(d *client.Connection) { d.RDBMS.ConcurrencyLevel = 25 }), "25", nil},
		{"borrowing: no level", answered(func(d *client.Connection) { d.BorrowConcurrencyFromConnectionID = "a"; d.RDBMS.ConcurrencyLevel = 0 }), "<null>", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := memoryPrivate{hiddenFieldsKey: []byte(`["stale"]`)}
			if diags := recordSavedFacts(t.Context(), p, sent(), tc.saved); diags.HasError() {
				t.Fatal(diags)
			}
			facts := readSavedFacts(t.Context(), p)
			if facts.level.String() != tc.wantLevel {
				t.Errorf("level %s, want %s", facts.level, tc.wantLevel)
			}
			if got := slices.Sorted(maps.Keys(facts.hidden)); strings.Join(got, ",") != strings.Join(tc.wantHidden, ",") {
				t.Errorf("hidden %v, want %v", got, tc.wantHidden)
			}
		})
	}
}
