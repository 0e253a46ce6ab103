package emulator

import (
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPing_savedConnection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	doc := validConnection()
	set(doc, "rdbms.port", "6543")
	id := idOf(t, h.create(doc))

	res := h.do(http.MethodPost, "/v1/connections/"+id+"/ping", nil)
	res.wantStatus(t, http.StatusOK)
	if got := res.object(t); !reflect.DeepEqual(got, map[string]any{"code": 200.0}) {
		t.Errorf("success answer %v, want {\"code\":200}", got)
	}

	// The pinger gets the stored secrets, not the mask.
	want := PingTarget{
		Host: "db.internal", Port: 6543, Database: "orders", User: "svc", Password: "s3cret-password",
		SSL:     &PingSSL{CA: "CA PEM", Cert: "CERT PEM", Key: "KEY PEM", Passphrase: "key-passphrase"},
		Options: []PingOption{{Name: "statement_timeout", Value: "30000"}},
	}
	if calls := h.pinger.calls(); len(calls) != 1 || !reflect.DeepEqual(calls[0], want) {
		t.Errorf("pinger called with %+v, want %+v", calls, want)
	}
}

func TestPing_targetDefaults(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	doc := validConnection()
	set(doc, "rdbms.port", deleted)
	set(doc, "rdbms.ssl", deleted)
	set(doc, "rdbms.disableStrictSSL", true)
	id := idOf(t, h.create(doc))
	h.do(http.MethodPost, "/v1/connections/"+id+"/ping", nil).wantStatus(t, http.StatusOK)
	got := h.pinger.calls()[0]
	if got.Port != 5432 || got.SSL != nil || !got.DisableStrictSSL {
		t.Errorf("target %+v: want port 5432, SSL nil (off), DisableStrictSSL", got)
	}
}

func TestPing_failureSetsOfflineAndSuccessClearsIt(t *testing.T) {
	t.Parallel()
	for _, status := range []int{0, http.StatusBadRequest} {
		t.Run("PingFailureStatus="+strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{PingFailureStatus: status})
			wantStatus := status
			if status == 0 {
				wantStatus = http.StatusOK // the default
			}
			id := idOf(t, h.create(validConnection()))
			offline := func() any { return h.do(http.MethodGet, "/v1/connections/"+id, nil).object(t)["offline"] }

			h.pinger.setErr(errors.New(`password authentication failed for user "svc"`))
			e := h.do(http.MethodPost, "/v1/connections/"+id+"/ping", nil).wantError(t, wantStatus, codeConnectionFailed, "")
			if !strings.Contains(e.Message, "password authentication failed") {
				t.Errorf("message %q does not carry the pinger's reason", e.Message)
			}
			if got := offline(); got != true {
				t.Fatalf("offline = %v after a failed ping, want true", got)
			}
			if list := h.do(http.MethodGet, "/v1/connections", nil).array(t); list[0]["offline"] != true {
				t.Errorf("list shows offline = %v", list[0]["offline"])
			}

			h.pinger.setErr(nil)
			h.do(http.MethodGet, "/v1/connections/"+id+"/ping", nil).wantStatus(t, http.StatusOK) // legacy form
			if got := offline(); got != false {
				t.Errorf("offline = %v after a good ping, want false", got)
			}
		})
	}
}

func TestPing_pingErrorChoosesCode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	h.pinger.setErr(&PingError{Code: 401, Message: "Authentication failed"})
	id := idOf(t, h.create(validConnection()))
	e := h.do(http.MethodPost, "/v1/connections/"+id+"/ping", nil).wantError(t, http.StatusOK, 401.0, "")
	if e.Message != "Authentication failed" {
		t.Errorf("message = %q", e.Message)
	}
}

func TestPing_unsavedConnection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	doc := validConnection()
	doc["_id"] = "0123456789abcdef01234567" // ignored like on create
	set(doc, "rdbms.host", "unsaved.example")

	h.do(http.MethodPost, "/v1/connections/ping", doc).wantStatus(t, http.StatusOK)
	if calls := h.pinger.calls(); len(calls) != 1 || calls[0].Host != "unsaved.example" || calls[0].Password != "s3cret-password" {
		t.Errorf("pinger calls %+v", calls)
	}

	h.pinger.setErr(errors.New("connection refused"))
	h.do(http.MethodPost, "/v1/connections/ping", doc).wantError(t, http.StatusOK, codeConnectionFailed, "")
	if n := len(h.srv.Connections()); n != 0 {
		t.Errorf("testing an unsaved connection stored %d documents", n)
	}
}

func TestPing_onlyPostgreSQLIsTested(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	doc := validConnection()
	set(doc, "rdbms.type", "mysql")
	e := h.do(http.MethodPost, "/v1/connections/ping", doc).wantError(t, http.StatusOK, codeConnectionFailed, "")
	if !strings.Contains(e.Message, "only postgresql") {
		t.Errorf("message %q", e.Message)
	}
	if n := len(h.pinger.calls()); n != 0 {
		t.Errorf("pinger called %d times for mysql", n)
	}
}

func TestPing_onPremiseNeedsItsAgent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	agentID, err := h.srv.AddAgent(AgentSpec{Name: "edge-1"})
	if err != nil {
		t.Fatal(err)
	}
	doc := validConnection()
	doc["_agentId"] = agentID
	id := idOf(t, h.create(doc))
	ping := func() response { return h.do(http.MethodPost, "/v1/connections/"+id+"/ping", nil) }

	e := ping().wantError(t, http.StatusOK, codeConnectionFailed, "")
	for _, want := range []string{`"edge-1"`, agentID, "offline", "never connected"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("message %q does not contain %q", e.Message, want)
		}
	}

	if err := h.srv.SetAgentOnline(agentID, true); err != nil {
		t.Fatal(err)
	}
	heartbeat := formatTime(h.clock.Now())
	ping().wantStatus(t, http.StatusOK)
	if _, errs := ping().object(t)["errors"]; errs {
		t.Fatal("ping through an online agent failed")
	}
	if n := len(h.pinger.calls()); n != 2 {
		t.Errorf("pinger called %d times, want 2 (only while the agent was online)", n)
	}

	h.clock.Advance(time.Hour)
	if err := h.srv.SetAgentOnline(agentID, false); err != nil {
		t.Fatal(err)
	}
	e = ping().wantError(t, http.StatusOK, codeConnectionFailed, "")
	if !strings.Contains(e.Message, "last heartbeat at "+heartbeat) {
		t.Errorf("message %q does not give the last heartbeat %s", e.Message, heartbeat)
	}
	if h.stored(id)["offline"] != true {
		t.Error("connection not marked offline while its agent is")
	}

	// The unsaved test goes through the agent too.
	h.do(http.MethodPost, "/v1/connections/ping", doc).wantError(t, http.StatusOK, codeConnectionFailed, "")
}

// By default a save leaves offline as it was; only a test of the saved connection sets or
// clears it (the integrator.io UI source: "UI shouldn't set offline flag", it pings after save).
func TestReplaceConnection_leavesOfflineToTheTest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	id := idOf(t, h.create(validConnection()))
	h.pinger.setErr(errors.New("no route to host"))
	h.do(http.MethodPost, "/v1/connections/"+id+"/ping", nil)

	h.pinger.setErr(nil)
	before := len(h.pinger.calls())
	res := h.do(http.MethodPut, "/v1/connections/"+id, validConnection())
	res.wantStatus(t, http.StatusOK)
	if got := res.object(t)["offline"]; got != true {
		t.Errorf("PUT with working settings: answer offline = %v, want true (a save does not test)", got)
	}
	if after := len(h.pinger.calls()); after != before {
		t.Errorf("a save ran %d tests", after-before)
	}
	h.do(http.MethodPost, "/v1/connections/"+id+"/ping", nil).wantStatus(t, http.StatusOK)
	if got := h.stored(id)["offline"]; got != false {
		t.Errorf("after a passing test: stored offline = %v, want false", got)
	}
}

// Config.SaveTestsOffline plays the other reading: a save of an offline connection tests it.
func TestReplaceConnection_saveTestsOfflineMode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{SaveTestsOffline: true})
	id := idOf(t, h.create(validConnection()))
	h.pinger.setErr(errors.New("no route to host"))
	h.do(http.MethodPost, "/v1/connections/"+id+"/ping", nil)

	// Still failing: the save is accepted and the connection stays offline.
	res := h.do(http.MethodPut, "/v1/connections/"+id, validConnection())
	res.wantStatus(t, http.StatusOK)
	if got := res.object(t)["offline"]; got != true {
		t.Errorf("PUT with failing settings: offline = %v, want true", got)
	}

	h.pinger.setErr(nil)
	res = h.do(http.MethodPut, "/v1/connections/"+id, validConnection())
	if got := res.object(t)["offline"]; got != false {
		t.Errorf("PUT with working settings: answer offline = %v, want false", got)
	}
	if got := h.stored(id)["offline"]; got != false {
		t.Errorf("PUT with working settings: stored offline = %v, want false", got)
	}

	// An online connection is not tested on save.
	before := len(h.pinger.calls())
	h.do(http.MethodPut, "/v1/connections/"+id, validConnection()).wantStatus(t, http.StatusOK)
	if after := len(h.pinger.calls()); after != before {
		t.Errorf("PUT of an online connection pinged %d times", after-before)
	}
}

// Config.CreateOffline: a new connection is offline until its first test.
func TestCreateConnection_createOfflineMode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{CreateOffline: true})
	created := h.create(validConnection())
	if created["offline"] != true {
		t.Fatalf("created offline = %v, want true", created["offline"])
	}
	id := idOf(t, created)
	h.do(http.MethodPost, "/v1/connections/"+id+"/ping", nil).wantStatus(t, http.StatusOK)
	if got := h.stored(id)["offline"]; got != false {
		t.Errorf("after a passing test: stored offline = %v, want false", got)
	}
}

// A ping outcome must not land on a document replaced while the ping ran.
func TestPing_outcomeDroppedWhenDocumentChanged(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	id := idOf(t, h.create(validConnection()))
	h.srv.mu.Lock()
	rev := h.srv.conns.byID[id].rev
	h.srv.mu.Unlock()
	h.do(http.MethodPut, "/v1/connections/"+id, validConnection()).wantStatus(t, http.StatusOK)
	if h.srv.setOffline(id, rev, true) {
		t.Error("setOffline wrote with a stale revision")
	}
	if h.stored(id)["offline"] != false {
		t.Error("stale ping outcome stored")
	}
}

func TestDialPinger(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, portText, _ := net.SplitHostPort(l.Addr().String())
	port, _ := strconv.Atoi(portText)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	ping := DialPinger(time.Second)
	if err := ping(t.Context(), PingTarget{Host: "127.0.0.1", Port: port}); err != nil {
		t.Errorf("dial to a listening port: %v", err)
	}
	_ = l.Close() // the port is now closed: the dial is refused at once

	h := newHarness(t, Config{Pinger: ping})
	doc := validConnection()
	set(doc, "rdbms.host", "127.0.0.1")
	set(doc, "rdbms.port", port)
	id := idOf(t, h.create(doc))
	e := h.do(http.MethodPost, "/v1/connections/"+id+"/ping", nil).wantError(t, http.StatusOK, codeConnectionFailed, "")
	if !strings.Contains(e.Message, "refused") {
		t.Errorf("message %q does not say the connection was refused", e.Message)
	}
	if strings.Contains(e.Message, "s3cret-password") {
		t.Error("the password leaked into the failure message")
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := ping(ctx, PingTarget{Host: "127.0.0.1", Port: port}); err == nil {
		t.Error("dial with a cancelled context succeeded")
	}
}

// rdbms.useSSL, when present, decides whether a test uses SSL; without it an ssl object does.
// DropUseSSL forgets it on save, so only the ssl object is left to decide.
func TestPing_useSSL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		cfg     Config
		useSSL  any // nil: absent
		ssl     map[string]any
		wantSSL bool
	}{
		{"true without an ssl object", Config{}, true, nil, true},
		{"false beside an ssl object", Config{}, false, map[string]any{"ca": "x"}, false},
		{"absent, an ssl object", Config{}, nil, map[string]any{}, true},
		{"absent, none", Config{}, nil, nil, false},
		{"dropped: true without an ssl object", Config{DropUseSSL: true}, true, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.cfg)
			doc := validConnection()
			if tt.useSSL != nil {
				set(doc, "rdbms.useSSL", tt.useSSL)
			}
			if tt.ssl != nil {
				set(doc, "rdbms.ssl", tt.ssl)
			} else {
				set(doc, "rdbms.ssl", deleted)
			}
			id := idOf(t, h.create(doc))
			stored, kept := at(h.stored(id), "rdbms.useSSL"), tt.useSSL != nil && !tt.cfg.DropUseSSL
			if (stored != nil) != kept || (kept && stored != tt.useSSL) {
				t.Errorf("stored rdbms.useSSL = %v", stored)
			}
			h.do(http.MethodPost, "/v1/connections/"+id+"/ping", nil).wantStatus(t, http.StatusOK)
			if got := h.pinger.calls()[0].SSL != nil; got != tt.wantSSL {
				t.Errorf("the test uses SSL: %v, want %v", got, tt.wantSSL)
			}
		})
	}
	h := newHarness(t, Config{})
	doc := validConnection()
	set(doc, "rdbms.useSSL", "yes")
	h.do(http.MethodPost, "/v1/connections", doc).wantError(t, http.StatusUnprocessableEntity, codeInvalidValue, "rdbms.useSSL")
}
