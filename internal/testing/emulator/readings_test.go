package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// Tests of the Config fields that play the readings of issue 11, items 6 to 8.

func TestScopedTokens(t *testing.T) {
	t.Parallel()
	const scoped = "scoped-token"
	h := newHarness(t, Config{
		Tokens:       []string{testToken},
		ScopedTokens: map[string]string{scoped: `{"connections":"full","exports":["read"]}`},
	})
	do := func(method, path string) response {
		req := newRequest(t, method, path, nil)
		req.Header.Set("Authorization", "Bearer "+scoped)
		return h.serve(req)
	}

	res := do(http.MethodGet, "/v1/tokenInfo")
	res.wantStatus(t, http.StatusOK)
	var info struct {
		UserID string          `json:"_userId"`
		Scope  json.RawMessage `json:"scope"`
	}
	if err := json.Unmarshal(res.body, &info); err != nil || info.UserID == "" ||
		string(info.Scope) != `{"connections":"full","exports":["read"]}` {
		t.Errorf("tokenInfo = %s (%v), want the configured scope", res.body, err)
	}
	if full := h.do(http.MethodGet, "/v1/tokenInfo", nil).object(t); full["scope"] != "*" {
		t.Errorf("the full-access token's scope = %v, want *", full["scope"])
	}

	// Connections are in scope.
	do(http.MethodGet, "/v1/connections").wantStatus(t, http.StatusNoContent)
	// Agents are not: every agent call is refused, before the agent is even looked up.
	agentID, err := h.srv.AddAgent(AgentSpec{Name: "dc1", Online: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v1/agents", "/v1/agents/" + agentID, "/v1/agents/" + agentID + "/display-token"} {
		e := do(http.MethodGet, path).wantError(t, http.StatusForbidden, codeForbidden, "")
		if !strings.Contains(e.Message, "scope does not allow") {
			t.Errorf("GET %s: message %q does not name the scope", path, e.Message)
		}
	}
	// The full-access token still reads them.
	h.do(http.MethodGet, "/v1/agents/"+agentID, nil).wantStatus(t, http.StatusOK)
}

func TestLinkHost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{PageSize: 2, LinkHost: "api-internal.example:8443"})
	for range 3 {
		h.create(validConnection())
	}
	res := h.do(http.MethodGet, "/v1/connections", nil)
	if want := `<http://api-internal.example:8443/v1/connections?limit=2&skip=2>; rel="next"`; res.header.Get("Link") != want {
		t.Errorf("Link = %q, want %q", res.header.Get("Link"), want)
	}
	// The link's path and query, asked of this server, give the rest.
	ids, pages := followPages(t, h, "/v1/connections")
	if len(ids) != 3 || pages != 2 {
		t.Errorf("got %d ids in %d pages, want 3 in 2", len(ids), pages)
	}
}

func TestAgentOnlineField(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{AgentOnlineField: true})
	up, err := h.srv.AddAgent(AgentSpec{Name: "up", Online: true})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, doc map[string]any, online bool) {
		t.Helper()
		if _, has := doc["offline"]; has || doc["online"] != online {
			t.Errorf("%s: offline %v, online %v; want no offline and online %v", what, doc["offline"], doc["online"], online)
		}
	}
	check("GET", h.do(http.MethodGet, "/v1/agents/"+up, nil).object(t), true)

	res := h.do(http.MethodPost, "/v1/agents", map[string]any{"name": "new", "online": true})
	res.wantStatus(t, http.StatusCreated)
	created := res.object(t)
	check("POST", created, false) // a client cannot set the state
	newID := idOf(t, created)

	res = h.do(http.MethodPut, "/v1/agents/"+up, map[string]any{"name": "up2", "online": false})
	res.wantStatus(t, http.StatusOK)
	check("PUT", res.object(t), true)

	res = h.do(http.MethodGet, "/v1/agents", nil)
	res.wantStatus(t, http.StatusOK)
	for _, doc := range res.array(t) {
		check("list", doc, idOf(t, doc) != newID)
	}
	// The state behind the reading is the usual one.
	for _, doc := range h.srv.Agents() {
		if _, has := doc["online"]; has {
			t.Errorf("stored agent %v holds online", doc)
		}
	}
}

func TestPingErrorsAsStrings(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusOK, http.StatusBadRequest} {
		h := newHarness(t, Config{PingErrorsAsStrings: true, PingFailureStatus: status})
		h.pinger.setErr(errors.New("connect ECONNREFUSED 10.0.0.5:5432"))
		id := idOf(t, h.create(validConnection()))
		for _, path := range []string{"/v1/connections/" + id + "/ping", "/v1/connections/ping"} {
			var body any = validConnection()
			if !strings.HasSuffix(path, "/connections/ping") {
				body = map[string]any{}
			}
			res := h.do(http.MethodPost, path, body)
			res.wantStatus(t, status)
			if got, want := strings.TrimSpace(string(res.body)), `{"errors":["connect ECONNREFUSED 10.0.0.5:5432"]}`; got != want {
				t.Errorf("POST %s: body %s, want %s", path, got, want)
			}
		}
		if h.stored(id)["offline"] != true {
			t.Errorf("a failed test of the saved connection did not set offline")
		}
	}
}
