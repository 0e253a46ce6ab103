package provider

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// A create being recovered is matched by what it sent, whatever integrator.io shows of its ssl
// object: kept or dropped when empty, material masked, returned or left out.
func TestSameSettings_sslAsIntegratorIOShowsIt(t *testing.T) {
	t.Parallel()
	doc := func(ssl *client.SSL) *client.Connection {
		return &client.Connection{Type: client.ConnectionTypeRDBMS, Name: "n", RDBMS: &client.RDBMS{
			Type: client.RDBMSTypePostgreSQL, Host: "h", Database: "d", User: "u", Password: "p", SSL: ssl,
		}}
	}
	tests := []struct {
		name      string
		sent, got *client.SSL
		want      bool
	}{
		{"empty ssl kept", &client.SSL{}, &client.SSL{}, true},
		{"empty ssl dropped", &client.SSL{}, nil, true},
		{"no ssl", nil, nil, true},
		{"CA masked", &client.SSL{CA: "pem"}, &client.SSL{CA: client.Masked}, true},
		{"CA returned", &client.SSL{CA: "pem"}, &client.SSL{CA: "pem"}, true},
		{"key only, masked", &client.SSL{Cert: "c", Key: "k"}, &client.SSL{Cert: client.Masked, Key: client.Masked}, true},
		{"CA left out", &client.SSL{CA: "pem"}, &client.SSL{}, true},
		{"CA left out, empty ssl dropped", &client.SSL{CA: "pem"}, nil, true},
	}
	for _, tt := range tests {
		if got := sameSettings(doc(tt.got), doc(tt.sent)); got != tt.want {
			t.Errorf("%s: sameSettings = %t, want %t", tt.name, got, tt.want)
		}
	}
	other := doc(nil)
	other.RDBMS.Host = "elsewhere"
	if sameSettings(other, doc(nil)) {
		t.Error("a connection to another host matched")
	}
}

// Every field of the connection document a client models is either compared by a recovery or
// named in notRecoveryFields with the reason, so a new field is a decision, not an accident.
func TestRecoveryFields_coverTheDocument(t *testing.T) {
	t.Parallel()
	fields := map[string]bool{}
	for prefix, typ := range map[string]reflect.Type{"": reflect.TypeFor[client.Connection](), "rdbms.": reflect.TypeFor[client.RDBMS]()} {
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				fields[prefix+name] = true
			}
		}
	}
	for f := range fields {
		_, compared := recoveryFields[f]
		_, skipped := notRecoveryFields[f]
		if compared == skipped {
			t.Errorf("document field %s: compared %t, in notRecoveryFields %t; want exactly one", f, compared, skipped)
		}
	}
	for f := range recoveryFields {
		if !fields[f] {
			t.Errorf("recoveryFields names %s, which is not a field of the document", f)
		}
	}
	for f := range notRecoveryFields {
		if !fields[f] {
			t.Errorf("notRecoveryFields names %s, which is not a field of the document", f)
		}
	}
	// Each compared field tells connections apart.
	for f, get := range recoveryFields {
		a, b := fullDocument(), fullDocument()
		set := map[string]func(){
			"type": func() { b.Type = "other" }, "name": func() { b.Name = "other" }, "_agentId": func() { b.AgentID = "other" },
			"_borrowConcurrencyFromConnectionId": func() { b.BorrowConcurrencyFromConnectionID = "other" },
			"rdbms.type":                         func() { b.RDBMS.Type = "other" }, "rdbms.host": func() { b.RDBMS.Host = "other" },
			"rdbms.database": func() { b.RDBMS.Database = "other" }, "rdbms.user": func() { b.RDBMS.User = "other" },
			"rdbms.port": func() { b.RDBMS.Port = 6543 },
		}[f]
		if set == nil {
			t.Errorf("this test cannot change %s: add it to the table above", f)
			continue
		}
		set()
		if get(a) == get(b) || sameSettings(a, b) {
			t.Errorf("connections that differ in %s are taken for the same", f)
		}
	}
}

func fullDocument() *client.Connection {
	return &client.Connection{Type: client.ConnectionTypeRDBMS, Name: "n", AgentID: "a", BorrowConcurrencyFromConnectionID: "b",
		RDBMS: &client.RDBMS{Type: client.RDBMSTypePostgreSQL, Host: "h", Port: 5432, Database: "d", User: "u"}}
}

// recoveryDoc is a created document named name, as create sends it.
func recoveryDoc(name string) *client.Connection {
	return &client.Connection{Type: client.ConnectionTypeRDBMS, Name: name, RDBMS: &client.RDBMS{
		Type: client.RDBMSTypePostgreSQL, Host: "db.example.com", Database: "orders", User: "svc", Password: "p",
	}}
}

// listed is a connection as a listing shows it: doc's settings, an id, createdAt and externalId.
func listed(doc *client.Connection, id string, createdAt *time.Time, externalID string) client.Connection {
	c := *doc
	rdbms := *doc.RDBMS
	rdbms.Password = client.Masked
	c.RDBMS, c.ID, c.CreatedAt, c.Extra = &rdbms, id, createdAt, nil
	if externalID != "" {
		c.SetExternalID(externalID)
	}
	return c
}

// The recovery of a create whose outcome is unknown adopts only the connection carrying its own
// marker: never one of the same name and settings made by another configuration (another
// process, whose claims this process cannot see), whether or not integrator.io keeps markers,
// and whether or not the candidate has createdAt.
func TestDecideRecovery(t *testing.T) {
	t.Parallel()
	started := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := started.Add(d); return &v }
	doc := recoveryDoc("orders")
	const mine, theirs = createMarkerPrefix + "aaaa", createMarkerPrefix + "bbbb"
	other := recoveryDoc("orders")
	other.RDBMS.Host = "elsewhere.example.com"
	none := func(string) bool { return false }
	tests := []struct {
		name       string
		all        []client.Connection
		claimed    func(string) bool
		adopt      string
		strays     []string
		candidates []string
	}{
		{name: "nothing made: an empty listing", all: nil},
		{name: "the one carrying this create's marker, among namesakes of another configuration",
			all:   []client.Connection{listed(doc, "theirs1", at(time.Second), theirs), listed(doc, "mine", at(2*time.Second), mine)},
			adopt: "mine"},
		{name: "markers kept (another create's shows): an unmarked namesake is not this create's",
			all: []client.Connection{listed(doc, "theirs1", at(time.Second), theirs), listed(doc, "ui", at(time.Second), "")}},
		{name: "the other configuration's namesake alone, marked: never adopted",
			all: []client.Connection{listed(doc, "theirs1", at(time.Second), theirs)}},
		{name: "markers dropped: every unmarked namesake made since the start is a candidate, none adopted",
			all: []client.Connection{
				listed(doc, "b", at(3*time.Second), ""), listed(doc, "a", at(time.Second), ""),
				listed(doc, "old", at(-time.Hour), ""), listed(other, "elsewhere", at(time.Second), ""),
				listed(doc, "user-external-id", at(time.Second), "erp-conn-001"),
			},
			candidates: []string{"a", "b"}},
		{name: "markers dropped, no createdAt: still a candidate, never adopted (the time window cannot clear it)",
			all:        []client.Connection{listed(doc, "nodate", nil, "")},
			candidates: []string{"nodate"}},
		{name: "only an old connection shows a marker: no proof that markers are kept today",
			all:        []client.Connection{listed(doc, "older", at(-time.Hour), theirs), listed(doc, "new", at(time.Second), "")},
			candidates: []string{"new"}},
		{name: "claimed by this process: neither adopted nor a candidate",
			all:     []client.Connection{listed(doc, "claimed-marked", at(time.Second), mine), listed(doc, "claimed", at(time.Second), "")},
			claimed: func(id string) bool { return strings.HasPrefix(id, "claimed") }},
		{name: "several carry the marker (earlier rounds): the oldest adopted, the others named",
			all: []client.Connection{
				listed(doc, "round2", at(5*time.Second), mine), listed(doc, "round1", at(time.Second), mine),
				listed(doc, "round3", nil, mine),
			},
			adopt: "round1", strays: []string{"round2", "round3"}},
		{name: "the marker proves it even with other settings shown (a lowered level, a dropped field)",
			all:   []client.Connection{listed(other, "mine", at(-time.Hour), mine)},
			adopt: "mine"},
	}
	for _, tt := range tests {
		claimed := tt.claimed
		if claimed == nil {
			claimed = none
		}
		got := decideRecovery(tt.all, doc, mine, started, claimed)
		adopted := ""
		if got.adopt != nil {
			adopted = got.adopt.ID
		}
		var candidates []string
		for _, c := range got.candidates {
			candidates = append(candidates, c.ID)
		}
		if adopted != tt.adopt || !reflect.DeepEqual(got.strays, tt.strays) || !reflect.DeepEqual(candidates, tt.candidates) {
			t.Errorf("%s: adopted %q, strays %v, candidates %v; want %q, %v, %v",
				tt.name, adopted, got.strays, candidates, tt.adopt, tt.strays, tt.candidates)
		}
	}
}

// Markers are random: two creates never send the same one.
func TestNewCreateMarker(t *testing.T) {
	t.Parallel()
	a, b := newCreateMarker(), newCreateMarker()
	if a == b || !strings.HasPrefix(a, createMarkerPrefix) || len(a) != len(createMarkerPrefix)+32 {
		t.Errorf("markers %q and %q: want distinct, %q and 32 hex digits", a, b, createMarkerPrefix)
	}
}

// recoveryResource is a resource whose client talks to an in-process emulator with cfg.
func recoveryResource(t *testing.T, cfg emulator.Config) (*postgresConnectionResource, *emulator.Server) {
	t.Helper()
	token := "tf-token-" + randomSuffix()
	cfg.Tokens = []string{token}
	emu := emulator.New(cfg)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	c, err := client.New(client.WithBaseURL(srv.URL+"/v1"), client.WithToken(token), client.WithMaxRetries(1))
	if err != nil {
		t.Fatal(err)
	}
	return &postgresConnectionResource{data: newProviderData(c)}, emu
}

// anotherConfigurationsConnection creates a connection as another process would (with a guard of
// its own: this process cannot see another's claims), and makes the next POST lose its answer after
// the emulator acted (drop_after). It returns the connection's name, for a namesake.
func anotherConfigurationsConnection(t *testing.T, r *postgresConnectionResource, emu *emulator.Server) (string, *client.Connection) {
	t.Helper()
	name := "recovery-" + randomSuffix()
	otherProcess := newProviderData(r.data.client)
	otherProcess.creates = newCreateGuard()
	theirs, _, err := (&postgresConnectionResource{data: otherProcess}).create(t.Context(), recoveryDoc(name))
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.SetFaults(emulator.FaultConfig{Rules: []emulator.FaultRule{
		{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultDropAfter, Count: 1},
	}}); err != nil {
		t.Fatal(err)
	}
	return name, theirs
}

// A create whose answer is lost after integrator.io acted (drop_after), where integrator.io keeps
// the marker: the connection carrying it is adopted, not the namesake another configuration made
// a moment before; the marker stays on the connection. Where listings leave externalId out, the
// candidates are read by id (one GET each) and the marker found there.
func TestCreate_ambiguousAdoptsOnlyItsMarker(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]emulator.Config{"listed": {}, "not listed": {ListOmitsExternalID: true}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, emu := recoveryResource(t, cfg)
			name, theirs := anotherConfigurationsConnection(t, r, emu)
			doc := recoveryDoc(name)
			got, warnings, err := r.create(t.Context(), doc)
			if err != nil || warnings.HasError() {
				t.Fatalf("create: %v %v", err, warnings)
			}
			if got.ID == theirs.ID {
				t.Fatalf("adopted %s, the other configuration's connection", got.ID)
			}
			if got.ExternalID() != doc.ExternalID() || !strings.HasPrefix(got.ExternalID(), createMarkerPrefix) {
				t.Errorf("adopted a connection with externalId %q, this create sent %q", got.ExternalID(), doc.ExternalID())
			}
			if n := len(emu.Connections()); n != 2 {
				t.Errorf("%d connections, want 2 (one each)", n)
			}
			gets := emu.Stats()["GET /v1/connections/{id}"]
			if want := map[bool]int{false: 0, true: 2}[cfg.ListOmitsExternalID]; gets != want {
				t.Errorf("%d GETs by id, want %d (one per candidate when the listing hides markers)", gets, want)
			}
		})
	}
}

// Where integrator.io drops the marker, the same create fails instead of adopting: its error
// names every candidate, says how to import one (command, import block, identity) and which to
// delete, and nothing is created again.
func TestCreate_ambiguousWithoutMarkersNamesTheCandidates(t *testing.T) {
	t.Parallel()
	r, emu := recoveryResource(t, emulator.Config{DropExternalID: true})
	name, _ := anotherConfigurationsConnection(t, r, emu)
	got, _, err := r.create(t.Context(), recoveryDoc(name))
	var unproven *unprovenCreateError
	if !errors.As(err, &unproven) {
		t.Fatalf("create: %v, %v; want an unproven create", got, err)
	}
	if !errors.Is(err, client.ErrOutcomeUnknown) {
		t.Errorf("the error does not wrap ErrOutcomeUnknown: %v", err)
	}
	ids := []string{}
	for _, c := range emu.Connections() {
		ids = append(ids, c["_id"].(string)) //nolint:forcetypeassert // the emulator's ids are strings
	}
	if len(ids) != 2 {
		t.Fatalf("%d connections, want 2: the create was repeated or lost (%v)", len(ids), ids)
	}
	detail := unproven.detail()
	t.Log(detail)
	for _, want := range append(ids, "terraform import 'ADDRESS' ", "import {\n    to = ADDRESS\n    id = ", "identity = { id = ",
		"delete in integrator.io the candidates that no configuration holds", "never adopts a connection on a name match",
		unproven.marker) {
		if !strings.Contains(detail, want) {
			t.Errorf("the diagnostic lacks %q:\n%s", want, detail)
		}
	}
}

// randomSuffix is 32 random hex digits.
func randomSuffix() string { return strings.TrimPrefix(newCreateMarker(), createMarkerPrefix) }

// hidingListings serves emu, answering the first n listings of connections with 204 (none), as a
// listing that lags behind a create would.
func hidingListings(emu *emulator.Server, n int) http.Handler {
	var hidden atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/v1/connections" && hidden.Add(1) <= int64(n) {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		emu.ServeHTTP(w, r)
	})
}

// When a listing lags, the look-up after a lost answer finds nothing and the create is tried
// again; what the earlier attempts made is then named by id, from the marker: adopted once (the
// oldest), the rest warned about as leftovers to delete.
func TestCreate_leftoversOfEarlierAttemptsAreNamed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		lost     int // POSTs whose answer is lost after acting
		hidden   int // listings that show nothing
		summary  string
		leftover int // index, in creation order, of the connection that is a leftover
		named    bool
	}{
		// Attempt 1 is lost and hidden; attempt 2 is answered: attempt 1's connection is left.
		{"the next attempt answered", 1, 1, "Leftover Connections of This Create", 0, true},
		// Attempts 1 and 2 are lost; the second look-up sees both: the oldest is adopted.
		{"the next attempt lost too", 2, 1, "Leftover Connections of This Create", 1, true},
		// The leftover is still not listed after the answered attempt: the warning gives the marker.
		{"the leftover not listed yet", 1, 2, "Earlier Create Attempts Had No Answer", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			token := "tf-token-" + randomSuffix()
			emu := emulator.New(emulator.Config{Tokens: []string{token}})
			srv := httptest.NewServer(hidingListings(emu, tc.hidden))
			t.Cleanup(srv.Close)
			c, err := client.New(client.WithBaseURL(srv.URL+"/v1"), client.WithToken(token), client.WithMaxRetries(1))
			if err != nil {
				t.Fatal(err)
			}
			r := &postgresConnectionResource{data: newProviderData(c)}
			if err := emu.SetFaults(emulator.FaultConfig{Rules: []emulator.FaultRule{
				{Method: "POST", Path: "/v1/connections", Kind: emulator.FaultDropAfter, Count: tc.lost},
			}}); err != nil {
				t.Fatal(err)
			}
			doc := recoveryDoc("leftovers-" + randomSuffix())
			got, warnings, err := r.create(t.Context(), doc)
			if err != nil {
				t.Fatal(err)
			}
			stored := emu.Connections()
			if len(stored) != 2 {
				t.Fatalf("%d connections, want 2", len(stored))
			}
			leftover, _ := stored[tc.leftover]["_id"].(string)
			if got.ID == leftover {
				t.Fatalf("adopted %s, the one that should be named as a leftover", got.ID)
			}
			want := doc.ExternalID() // the marker, which the leftover carries
			if tc.named {
				want = leftover
			}
			if warnings.WarningsCount() != 1 || warnings[0].Summary() != tc.summary ||
				!strings.Contains(warnings[0].Detail(), want) || !strings.Contains(warnings[0].Detail(), ": delete ") {
				t.Fatalf("warnings %v: want %q naming %s", warnings, tc.summary, want)
			}
			t.Log(warnings[0].Detail())
		})
	}
}
