package provider

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

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
