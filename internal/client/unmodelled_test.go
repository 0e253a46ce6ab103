package client

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// A document as the API returns it, with fields this client does not model at every level,
// some of them masked.
const documentWithUnmodelledFields = `{
  "_id": "62beb2c2a0f5f2144816f818", "type": "rdbms", "name": "Orders DB", "offline": true,
  "debugDate": "2026-11-30T10:00:00.000Z", "debugUntil": "2026-11-30T11:00:00.000Z",
  "externalId": "erp-42", "_integrationId": "5f96e6a30a45077b3a08f3c9",
  "settings": {"team": "data", "token": "******", "list": ["a", "******"]},
  "futureSecret": "******",
  "rdbms": {
    "type": "postgresql", "host": "db.internal", "database": "orders", "user": "svc",
    "password": "******", "targetConcurrencyLevel": 3,
    "ssl": {"ca": "******", "key": "******", "sslMode": "verify-full"}
  },
  "createdAt": "2022-07-01T08:39:30.787Z"
}`

func TestConnection_keepsUnmodelledFieldsThroughDecodeAndEncode(t *testing.T) {
	t.Parallel()
	var c Connection
	if err := json.Unmarshal([]byte(documentWithUnmodelledFields), &c); err != nil {
		t.Fatal(err)
	}
	if c.Name != "Orders DB" || c.RDBMS.Host != "db.internal" || !IsMasked(c.RDBMS.SSL.Key) {
		t.Fatalf("modelled fields decoded as %+v / %+v", c, c.RDBMS)
	}
	wantKeys := func(m map[string]json.RawMessage, keys ...string) {
		t.Helper()
		got := map[string]bool{}
		for k := range m {
			got[k] = true
		}
		want := map[string]bool{}
		for _, k := range keys {
			want[k] = true
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Extra holds %v, want %v", got, want)
		}
	}
	wantKeys(c.Extra, "debugDate", "debugUntil", "externalId", "_integrationId", "settings", "futureSecret")
	wantKeys(c.RDBMS.Extra, "targetConcurrencyLevel")
	wantKeys(c.RDBMS.SSL.Extra, "sslMode")

	// Encoding writes them back beside the modelled fields, and never the server-only ones.
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, b, `{
	  "type": "rdbms", "name": "Orders DB",
	  "debugDate": "2026-11-30T10:00:00.000Z", "debugUntil": "2026-11-30T11:00:00.000Z",
	  "externalId": "erp-42", "_integrationId": "5f96e6a30a45077b3a08f3c9",
	  "settings": {"team": "data", "token": "******", "list": ["a", "******"]},
	  "futureSecret": "******",
	  "rdbms": {"type": "postgresql", "host": "db.internal", "database": "orders", "user": "svc",
	            "password": "******", "targetConcurrencyLevel": 3,
	            "ssl": {"ca": "******", "key": "******", "sslMode": "verify-full"}}
	}`)
}

func TestConnection_modelledFieldsWinOverExtra(t *testing.T) {
	t.Parallel()
	c := Connection{Type: ConnectionTypeRDBMS, Name: "mine", Extra: map[string]json.RawMessage{
		"name": json.RawMessage(`"theirs"`), "_id": json.RawMessage(`"62beb2c2a0f5f2144816f818"`), "externalId": json.RawMessage(`"x"`),
	}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, b, `{"type": "rdbms", "name": "mine", "externalId": "x"}`)
}

// An update built from the Terraform model keeps what integrator.io holds beyond it, but never
// sends a mask back as a value.
func TestConnection_KeepUnmodelledFields(t *testing.T) {
	t.Parallel()
	var current Connection
	if err := json.Unmarshal([]byte(documentWithUnmodelledFields), &current); err != nil {
		t.Fatal(err)
	}
	next := newConnection()
	next.RDBMS.SSL.Key = "real-key"
	masked := next.KeepUnmodelledFields(&current)
	if want := []string{"futureSecret", "settings.list[1]", "settings.token"}; !reflect.DeepEqual(masked, want) {
		t.Errorf("masked fields left out = %v, want %v", masked, want)
	}
	b, err := json.Marshal(next)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, b, `{
	  "type": "rdbms", "name": "Orders DB",
	  "debugDate": "2026-11-30T10:00:00.000Z", "debugUntil": "2026-11-30T11:00:00.000Z",
	  "externalId": "erp-42", "_integrationId": "5f96e6a30a45077b3a08f3c9",
	  "settings": {"team": "data", "list": ["a", null]},
	  "rdbms": {"type": "postgresql", "host": "db.internal", "port": 5432, "database": "orders",
	            "user": "svc", "password": "p@ss word", "targetConcurrencyLevel": 3,
	            "ssl": {"ca": "ca-pem", "key": "real-key", "sslMode": "verify-full"},
	            "options": [{"name": "statement_timeout", "value": "30000"}]}
	}`)

	// The current document itself is not changed (its masked values still stand for what is stored).
	if string(current.Extra["futureSecret"]) != `"******"` {
		t.Errorf("KeepUnmodelledFields changed the document it copied from: %s", current.Extra["futureSecret"])
	}
}

// Replace sends the kept fields on the wire.
func TestConnections_replaceSendsUnmodelledFields(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusOK, documentWithUnmodelledFields))
	c, _ := newTestClient(t, ts)
	current, err := c.Connections.Get(t.Context(), connectionID)
	if err != nil {
		t.Fatal(err)
	}
	next := newConnection()
	next.RDBMS.SSL = nil
	next.KeepUnmodelledFields(current)
	if _, err := c.Connections.Replace(t.Context(), connectionID, next); err != nil {
		t.Fatal(err)
	}
	reqs := ts.Requests()
	var sent map[string]any
	if err := json.Unmarshal(reqs[len(reqs)-1].Body, &sent); err != nil {
		t.Fatal(err)
	}
	rdbms, _ := sent["rdbms"].(map[string]any)
	if sent["debugDate"] == nil || sent["_integrationId"] == nil || rdbms["targetConcurrencyLevel"] == nil {
		t.Errorf("the PUT body lost unmodelled fields: %s", reqs[len(reqs)-1].Body)
	}
	if _, ok := rdbms["ssl"]; ok {
		t.Errorf("the PUT body has an ssl object the new document does not: %s", reqs[len(reqs)-1].Body)
	}
}

// A listing holds every connection of the account at once, and they tend to repeat one host and
// one CA: the decoded documents keep a single copy of each such text, and its value intact.
func TestConnection_repeatedTextIsHeldOnce(t *testing.T) {
	const ca = "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHHIG1o7lZ8MA0GCSqGSIb3DQEBCwUAMBExDzANBgNVBAMMBmNh\n-----END CERTIFICATE-----\n"
	doc := func(id, name string) string {
		b, _ := json.Marshal(map[string]any{"_id": id, "type": "rdbms", "name": name, "rdbms": map[string]any{
			"type": "postgresql", "host": "db.internal", "database": "orders", "user": "svc",
			"ssl": map[string]any{"ca": ca, "cert": ca},
		}})
		return string(b)
	}
	var conns []Connection
	if err := json.Unmarshal([]byte("["+doc("a", "first")+","+doc("b", "second")+"]"), &conns); err != nil {
		t.Fatal(err)
	}
	first, second := conns[0].RDBMS, conns[1].RDBMS
	if second.SSL.CA != ca || second.Host != "db.internal" || conns[1].Name != "second" {
		t.Fatalf("decoded %+v, %+v: the values changed", second, second.SSL)
	}
	for what, pair := range map[string][2]string{
		"ssl.ca": {first.SSL.CA, second.SSL.CA}, "ssl.cert": {first.SSL.Cert, second.SSL.Cert},
		"host": {first.Host, second.Host}, "database": {first.Database, second.Database}, "user": {first.User, second.User},
	} {
		if unsafe.StringData(pair[0]) != unsafe.StringData(pair[1]) {
			t.Errorf("%s: each document holds its own copy of the same text", what)
		}
	}
}

// Every field only the server sets (one list, serverSetFields) stays out of a write, whether the
// client models it or keeps it among the unmodelled fields: a document read back, with each of
// them set, is sent with none of them, through Create, Replace and PingUnsaved alike.
func TestConnections_writesNeverCarryServerSetFields(t *testing.T) {
	t.Parallel()
	doc := map[string]any{}
	if err := json.Unmarshal([]byte(documentWithUnmodelledFields), &doc); err != nil {
		t.Fatal(err)
	}
	samples := map[string]any{"_id": "62beb2c2a0f5f2144816f818", "offline": true, "createdAt": "2026-12-01T08:00:00.000Z",
		"lastModified": "2026-12-02T08:00:00.000Z", "lastModifiedBy": "5f96e6a30a45077b3a08f3ca"}
	for _, k := range serverSetFields {
		v, ok := samples[k]
		if !ok {
			t.Fatalf("no sample value for the server-set field %s", k)
		}
		doc[k] = v
	}
	body, _ := json.Marshal(doc)
	ts := newTestServer(t, reply(http.StatusOK, string(body)))
	c, _ := newTestClient(t, ts)
	current, err := c.Connections.Get(t.Context(), connectionID)
	if err != nil {
		t.Fatal(err)
	}
	if current.LastModifiedBy != "5f96e6a30a45077b3a08f3ca" || current.ID == "" || !current.Offline || current.LastModified == nil {
		t.Fatalf("server-set fields decoded as %+v", current)
	}
	_, _ = c.Connections.Create(t.Context(), current)
	_, _ = c.Connections.Replace(t.Context(), connectionID, current)
	_ = c.Connections.PingUnsaved(t.Context(), current)
	reqs := ts.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests; want a GET and three writes", len(reqs))
	}
	for _, req := range reqs[1:] {
		var sent map[string]any
		if err := json.Unmarshal(req.Body, &sent); err != nil {
			t.Fatal(err)
		}
		for _, k := range serverSetFields {
			if _, ok := sent[k]; ok {
				t.Errorf("%s %s sends the server-set field %s: %s", req.Method, req.Path, k, req.Body)
			}
		}
		if sent["externalId"] != "erp-42" {
			t.Errorf("%s %s lost an unmodelled field: %s", req.Method, req.Path, req.Body)
		}
	}
}

// externalId is an unmodelled field with accessors: set, it is written; read, it is a string or
// nothing; an update keeps it like every other unmodelled field.
func TestConnection_externalID(t *testing.T) {
	t.Parallel()
	var c Connection
	c.SetExternalID("terraform-create-00")
	b, err := json.Marshal(c)
	if err != nil || !strings.Contains(string(b), `"externalId":"terraform-create-00"`) {
		t.Fatalf("encoded %s, %v", b, err)
	}
	for doc, want := range map[string]string{
		`{"externalId":"erp-1"}`: "erp-1", `{"externalId":7}`: "", `{}`: "", `{"externalId":null}`: "",
	} {
		var got Connection
		if err := json.Unmarshal([]byte(doc), &got); err != nil {
			t.Fatal(err)
		}
		if got.ExternalID() != want {
			t.Errorf("%s: ExternalID() = %q, want %q", doc, got.ExternalID(), want)
		}
	}
	var update Connection
	update.KeepUnmodelledFields(&c)
	if update.ExternalID() != "terraform-create-00" {
		t.Errorf("an update carries externalId %q", update.ExternalID())
	}
}
