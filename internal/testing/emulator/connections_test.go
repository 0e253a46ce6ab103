package emulator

import (
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"time"
)

var idPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestCreateConnection_serverFields(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	doc := validConnection()
	doc["_id"] = "000000000000000000000000"
	doc["createdAt"] = "1999-01-01T00:00:00.000Z"
	doc["lastModified"] = "1999-01-01T00:00:00.000Z"
	doc["offline"] = true
	doc["lastModifiedBy"] = "000000000000000000000001"
	doc["someFutureField"] = map[string]any{"nested": []any{1.5, "x", nil}}

	got := h.create(doc)
	id := idOf(t, got)
	if !idPattern.MatchString(id) || id == "000000000000000000000000" {
		t.Errorf("_id = %v, want a fresh server id", got["_id"])
	}
	wantTime := formatTime(h.clock.Now())
	if got["createdAt"] != wantTime || got["lastModified"] != wantTime {
		t.Errorf("createdAt, lastModified = %v, %v; want %s", got["createdAt"], got["lastModified"], wantTime)
	}
	if got["offline"] != false {
		t.Errorf("offline = %v, want false", got["offline"])
	}
	if user := h.do(http.MethodGet, "/v1/tokenInfo", nil).object(t)["_userId"]; got["lastModifiedBy"] != user {
		t.Errorf("lastModifiedBy = %v, want the token's user %v", got["lastModifiedBy"], user)
	}
	wantSent := map[string]int{"_id": 1, "createdAt": 1, "lastModified": 1, "lastModifiedBy": 1, "offline": 1}
	if sent := h.srv.ServerSetFieldsSent(); !reflect.DeepEqual(sent, wantSent) {
		t.Errorf("ServerSetFieldsSent = %v, want %v", sent, wantSent)
	}
	if !reflect.DeepEqual(got["someFutureField"], doc["someFutureField"]) {
		t.Errorf("unknown field did not round-trip: %v", got["someFutureField"])
	}

	fetched := h.do(http.MethodGet, "/v1/connections/"+id, nil)
	fetched.wantStatus(t, http.StatusOK)
	if !reflect.DeepEqual(fetched.object(t), got) {
		t.Errorf("GET returned\n%v\nPOST returned\n%v", fetched.object(t), got)
	}
}

func TestCreateConnection_uniqueIDsUnderConcurrency(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{}) // the fake clock never moves: ids differ by their counter
	const n = 40
	answers := make(chan response, n)
	var wg sync.WaitGroup
	for range n {
		req := newRequest(t, http.MethodPost, "/v1/connections", validConnection())
		req.Header.Set("Authorization", "Bearer "+testToken)
		wg.Go(func() { answers <- h.serve(req) })
	}
	wg.Wait()
	close(answers)
	seen := map[string]bool{}
	for res := range answers {
		res.wantStatus(t, http.StatusCreated)
		id, _ := res.object(t)["_id"].(string)
		if seen[id] || !idPattern.MatchString(id) {
			t.Fatalf("id %q repeated or malformed", id)
		}
		seen[id] = true
	}
}

func TestConnection_masking(t *testing.T) {
	t.Parallel()
	t.Run("certificates masked (default)", func(t *testing.T) {
		t.Parallel()
		testMasking(t, Config{}, Mask, Mask)
	})
	t.Run("certificates returned", func(t *testing.T) {
		t.Parallel()
		testMasking(t, Config{ReturnCertificates: true}, "CA PEM", "CERT PEM")
	})
	t.Run("certificates omitted", func(t *testing.T) {
		t.Parallel()
		testMasking(t, Config{OmitCertificates: true}, nil, nil)
	})
}

func testMasking(t *testing.T, cfg Config, wantCA, wantCert any) {
	h := newHarness(t, cfg)
	checkMasked := func(where string, doc map[string]any) {
		t.Helper()
		for path, want := range map[string]any{
			"rdbms.password":       Mask,
			"rdbms.ssl.key":        Mask,
			"rdbms.ssl.passphrase": Mask,
			"rdbms.ssl.ca":         wantCA,
			"rdbms.ssl.cert":       wantCert,
		} {
			if got := at(doc, path); got != want {
				t.Errorf("%s: %s = %v, want %v", where, path, got, want)
			}
		}
	}

	created := h.create(validConnection())
	checkMasked("POST answer", created)
	id := idOf(t, created)

	res := h.do(http.MethodGet, "/v1/connections/"+id, nil)
	res.wantStatus(t, http.StatusOK)
	checkMasked("GET answer", res.object(t))

	res = h.do(http.MethodGet, "/v1/connections", nil)
	res.wantStatus(t, http.StatusOK)
	checkMasked("list answer", res.array(t)[0])

	replacement := validConnection()
	set(replacement, "rdbms.password", "new-password")
	res = h.do(http.MethodPut, "/v1/connections/"+id, replacement)
	res.wantStatus(t, http.StatusOK)
	checkMasked("PUT answer", res.object(t))

	// The store keeps the real values, which is what a ping uses.
	raw := h.stored(id)
	for path, want := range map[string]string{
		"rdbms.password": "new-password", "rdbms.ssl.key": "KEY PEM", "rdbms.ssl.passphrase": "key-passphrase",
	} {
		if got := at(raw, path); got != want {
			t.Errorf("stored %s = %v, want %v", path, got, want)
		}
	}
}

func TestConnection_emptySecretsAreNotMasked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	doc := validConnection()
	set(doc, "rdbms.ssl.passphrase", "")
	got := h.create(doc)
	if v := at(got, "rdbms.ssl.passphrase"); v != "" {
		t.Errorf("empty passphrase came back as %v", v)
	}
	set(doc, "rdbms.ssl", map[string]any{"ca": "CA PEM"})
	if ssl, _ := at(h.create(doc), "rdbms.ssl").(map[string]any); len(ssl) != 1 {
		t.Errorf("absent secrets appeared: %v", ssl)
	}
}

// A client that sends back what it read stores the mask itself, as the real service does.
func TestConnection_resentMaskIsStored(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	got := h.create(validConnection())
	id := idOf(t, got)
	h.do(http.MethodPut, "/v1/connections/"+id, got).wantStatus(t, http.StatusOK)
	if pw := at(h.stored(id), "rdbms.password"); pw != Mask {
		t.Errorf("stored password = %v, want the mask that was sent", pw)
	}
}

func TestReplaceConnection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	doc := validConnection()
	doc["extra"] = "kept only while sent"
	created := h.create(doc)
	id := idOf(t, created)

	h.clock.Advance(90 * time.Second)
	replacement := validConnection()
	replacement["name"] = "Renamed"
	replacement["_id"] = "ffffffffffffffffffffffff" // ignored: the path names the document
	set(replacement, "rdbms.ssl", deleted)
	set(replacement, "rdbms.options", deleted)
	set(replacement, "rdbms.port", "6543")
	res := h.do(http.MethodPut, "/v1/connections/"+id, replacement)
	res.wantStatus(t, http.StatusOK)
	got := res.object(t)

	if got["_id"] != id || got["createdAt"] != created["createdAt"] {
		t.Errorf("_id, createdAt = %v, %v; want %v, %v kept", got["_id"], got["createdAt"], id, created["createdAt"])
	}
	if want := formatTime(h.clock.Now()); got["lastModified"] != want {
		t.Errorf("lastModified = %v, want %s", got["lastModified"], want)
	}
	if got["name"] != "Renamed" || at(got, "rdbms.port") != "6543" {
		t.Errorf("name, port = %v, %v; want the new values", got["name"], at(got, "rdbms.port"))
	}
	for _, field := range []string{"extra", "rdbms.ssl", "rdbms.options"} {
		if v := at(h.stored(id), field); v != nil {
			t.Errorf("%s = %v survived a PUT that left it out", field, v)
		}
	}
}

func TestConnection_unknownIDs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	for _, id := range []string{"0123456789abcdef01234567", "not-an-id", "0123456789ABCDEF01234567"} {
		h.do(http.MethodGet, "/v1/connections/"+id, nil).wantError(t, http.StatusNotFound, codeNotFound, "")
		h.do(http.MethodPut, "/v1/connections/"+id, validConnection()).wantError(t, http.StatusNotFound, codeNotFound, "")
		h.do(http.MethodDelete, "/v1/connections/"+id, nil).wantError(t, http.StatusNotFound, codeNotFound, "")
		h.do(http.MethodPost, "/v1/connections/"+id+"/ping", nil).wantError(t, http.StatusNotFound, codeNotFound, "")
	}
}

func TestDeleteConnection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	id := idOf(t, h.create(validConnection()))
	keep := idOf(t, h.create(validConnection()))

	res := h.do(http.MethodDelete, "/v1/connections/"+id, nil)
	res.wantStatus(t, http.StatusNoContent)
	if len(res.body) != 0 {
		t.Errorf("204 with a body: %s", res.body)
	}
	h.do(http.MethodGet, "/v1/connections/"+id, nil).wantStatus(t, http.StatusNotFound)
	h.do(http.MethodDelete, "/v1/connections/"+id, nil).wantStatus(t, http.StatusNotFound)
	if list := h.do(http.MethodGet, "/v1/connections", nil).array(t); len(list) != 1 || list[0]["_id"] != keep {
		t.Errorf("list after delete = %v, want only %s", list, keep)
	}
}

func TestConnection_concurrencyLoweredToLicence(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{ConcurrencyLicence: 10})
	for _, tt := range []struct{ sent, want any }{{50, 10.0}, {10, 10.0}, {3, 3.0}} {
		doc := validConnection()
		set(doc, "rdbms.concurrencyLevel", tt.sent)
		if got := at(h.create(doc), "rdbms.concurrencyLevel"); got != tt.want {
			t.Errorf("concurrencyLevel %v saved as %v, want %v", tt.sent, got, tt.want)
		}
	}
	doc := validConnection()
	set(doc, "rdbms.concurrencyLevel", 40)
	id := idOf(t, h.create(validConnection()))
	res := h.do(http.MethodPut, "/v1/connections/"+id, doc)
	if got := at(res.object(t), "rdbms.concurrencyLevel"); got != 10.0 {
		t.Errorf("PUT concurrencyLevel 40 saved as %v, want 10", got)
	}
}

func TestConnection_references(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	agentID, err := h.srv.AddAgent(AgentSpec{Name: "edge"})
	if err != nil {
		t.Fatal(err)
	}
	lender := idOf(t, h.create(validConnection()))

	doc := validConnection()
	doc["_agentId"] = agentID
	doc["_borrowConcurrencyFromConnectionId"] = lender
	id := idOf(t, h.create(doc))

	for _, tt := range []struct{ field, value string }{
		{"_agentId", "0123456789abcdef01234567"},
		{"_agentId", lender}, // a connection is not an agent
		{"_borrowConcurrencyFromConnectionId", "0123456789abcdef01234567"},
		{"_borrowConcurrencyFromConnectionId", agentID},
		{"_borrowConcurrencyFromConnectionId", "junk"},
	} {
		bad := validConnection()
		bad[tt.field] = tt.value
		h.do(http.MethodPost, "/v1/connections", bad).wantError(t, http.StatusUnprocessableEntity, codeInvalidReference, tt.field)
		h.do(http.MethodPut, "/v1/connections/"+id, bad).wantError(t, http.StatusUnprocessableEntity, codeInvalidReference, tt.field)
		h.do(http.MethodPost, "/v1/connections/ping", bad).wantError(t, http.StatusUnprocessableEntity, codeInvalidReference, tt.field)
	}

	self := validConnection()
	self["_borrowConcurrencyFromConnectionId"] = id
	e := h.do(http.MethodPut, "/v1/connections/"+id, self).
		wantError(t, http.StatusUnprocessableEntity, codeInvalidReference, "_borrowConcurrencyFromConnectionId")
	if want := "cannot borrow concurrency from itself"; !regexp.MustCompile(want).MatchString(e.Message) {
		t.Errorf("message %q does not say %q", e.Message, want)
	}
	if got := h.stored(id)["_borrowConcurrencyFromConnectionId"]; got != lender {
		t.Errorf("a refused PUT changed the document: lender = %v", got)
	}
}

func TestConnection_listOrderIsCreationOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	var want []string
	for i := range 5 {
		doc := validConnection()
		doc["name"] = fmt.Sprint("c", i)
		want = append(want, idOf(t, h.create(doc)))
	}
	var got []string
	for _, c := range h.do(http.MethodGet, "/v1/connections", nil).array(t) {
		got = append(got, idOf(t, c))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("list order %v, want %v", got, want)
	}
}

// With RefuseServerSetFields a write carrying a field only the server sets is refused, naming
// it; without it the field is dropped. A write without them is stored either way.
func TestConnection_refuseServerSetFields(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{RefuseServerSetFields: true})
	created := h.create(validConnection())
	id := idOf(t, created)
	for _, method := range []string{http.MethodPost, http.MethodPut} {
		doc := validConnection()
		doc["lastModifiedBy"] = created["lastModifiedBy"]
		path := "/v1/connections"
		if method == http.MethodPut {
			path += "/" + id
		}
		e := h.do(method, path, doc).wantError(t, http.StatusUnprocessableEntity, codeInvalidValue, "lastModifiedBy")
		if e.Message != "lastModifiedBy is set by integrator.io and cannot be written" {
			t.Errorf("%s message %q", method, e.Message)
		}
	}
	h.do(http.MethodPut, "/v1/connections/"+id, validConnection()).wantStatus(t, http.StatusOK)
}
