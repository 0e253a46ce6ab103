package emulator

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"
)

func TestAgents_crud(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	res := h.do(http.MethodPost, "/v1/agents", map[string]any{
		"name": "edge-1", "description": "rack 4", "version": "3.0.5", "port": "22",
		"offline": false, "lastHeartbeatAt": "2020-01-01T00:00:00.000Z", "_id": "0123456789abcdef01234567",
		"custom": "kept",
	})
	res.wantStatus(t, http.StatusCreated)
	created := res.object(t)
	id := idOf(t, created)
	now := formatTime(h.clock.Now())
	if !idPattern.MatchString(id) || id == "0123456789abcdef01234567" {
		t.Errorf("_id = %v, want a fresh server id", created["_id"])
	}
	// A new agent has not connected yet, whatever the client claims.
	if created["offline"] != true || created["lastHeartbeatAt"] != nil {
		t.Errorf("offline, lastHeartbeatAt = %v, %v; want true and none", created["offline"], created["lastHeartbeatAt"])
	}
	if created["createdAt"] != now || created["lastModified"] != now || created["custom"] != "kept" || created["port"] != "22" {
		t.Errorf("created agent %v", created)
	}

	got := h.do(http.MethodGet, "/v1/agents/"+id, nil)
	got.wantStatus(t, http.StatusOK)
	if !reflect.DeepEqual(got.object(t), created) {
		t.Errorf("GET %v, want %v", got.object(t), created)
	}

	if err := h.srv.SetAgentOnline(id, true); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Minute)
	res = h.do(http.MethodPut, "/v1/agents/"+id, map[string]any{"name": "edge-1b", "offline": true})
	res.wantStatus(t, http.StatusOK)
	replaced := res.object(t)
	// The connection state belongs to the agent program: a PUT keeps it and drops the rest.
	want := map[string]any{
		"_id": id, "name": "edge-1b", "createdAt": now, "lastModified": formatTime(h.clock.Now()),
		"offline": false, "lastHeartbeatAt": now,
	}
	if !reflect.DeepEqual(replaced, want) {
		t.Errorf("PUT answer %v, want %v", replaced, want)
	}

	h.do(http.MethodPut, "/v1/agents/"+id, map[string]any{"description": "no name"}).
		wantError(t, http.StatusUnprocessableEntity, codeMissingField, "name")
	h.do(http.MethodPost, "/v1/agents", map[string]any{"name": "x", "port": true}).
		wantError(t, http.StatusUnprocessableEntity, codeInvalidValue, "port")

	h.do(http.MethodDelete, "/v1/agents/"+id, nil).wantStatus(t, http.StatusNoContent)
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		h.do(method, "/v1/agents/"+id, nil).wantError(t, http.StatusNotFound, codeNotFound, "")
	}
	h.do(http.MethodPut, "/v1/agents/"+id, map[string]any{"name": "x"}).wantError(t, http.StatusNotFound, codeNotFound, "")
}

func TestAgents_nameRequired(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	h.do(http.MethodPost, "/v1/agents", map[string]any{"version": "3.0.5"}).
		wantError(t, http.StatusUnprocessableEntity, codeMissingField, "name")
	if _, err := h.srv.AddAgent(AgentSpec{}); err == nil {
		t.Error("AddAgent without a name succeeded")
	}
	h.serve(newRequest(t, http.MethodPost, "/_emulator/agents", `{"version":"1"}`)).
		wantError(t, http.StatusUnprocessableEntity, codeMissingField, "name")
}

func TestAgents_tokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	id, err := h.srv.AddAgent(AgentSpec{Name: "edge"})
	if err != nil {
		t.Fatal(err)
	}
	token := func(method, path string) string {
		t.Helper()
		res := h.do(method, path, nil)
		res.wantStatus(t, http.StatusOK)
		tok, _ := res.object(t)["accessToken"].(string)
		if len(tok) < 32 {
			t.Fatalf("accessToken %q is too short", tok)
		}
		return tok
	}
	first := token(http.MethodGet, "/v1/agents/"+id+"/display-token")
	if again := token(http.MethodGet, "/v1/agents/"+id+"/display-token"); again != first {
		t.Errorf("display-token changed without a change-token: %s then %s", first, again)
	}
	changed := token(http.MethodPut, "/v1/agents/"+id+"/change-token")
	if changed == first {
		t.Error("change-token kept the old token")
	}
	if shown := token(http.MethodGet, "/v1/agents/"+id+"/display-token"); shown != changed {
		t.Errorf("display-token shows %s after change-token gave %s", shown, changed)
	}
	for _, agent := range h.srv.Agents() {
		if _, ok := agent["accessToken"]; ok {
			t.Error("the access token is part of the agent document")
		}
	}
	h.do(http.MethodGet, "/v1/agents/0123456789abcdef01234567/display-token", nil).wantStatus(t, http.StatusNotFound)
	h.do(http.MethodPut, "/v1/agents/0123456789abcdef01234567/change-token", nil).wantStatus(t, http.StatusNotFound)
}

func TestAgents_onlineControls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	res := h.serve(newRequest(t, http.MethodPost, "/_emulator/agents",
		map[string]any{"name": "edge", "version": "3.0.5", "port": "22", "online": true}))
	res.wantStatus(t, http.StatusCreated)
	agent := res.object(t)
	id := idOf(t, agent)
	start := formatTime(h.clock.Now())
	if agent["offline"] != false || agent["lastHeartbeatAt"] != start || agent["version"] != "3.0.5" {
		t.Errorf("online agent %v", agent)
	}

	h.clock.Advance(time.Minute)
	res = h.serve(newRequest(t, http.MethodPost, "/_emulator/agents/"+id+"/offline", nil))
	res.wantStatus(t, http.StatusOK)
	if got := res.object(t); got["offline"] != true || got["lastHeartbeatAt"] != start {
		t.Errorf("after offline: %v; want offline and the heartbeat kept", got)
	}
	res = h.serve(newRequest(t, http.MethodPost, "/_emulator/agents/"+id+"/online", nil))
	if got := res.object(t); got["offline"] != false || got["lastHeartbeatAt"] != formatTime(h.clock.Now()) {
		t.Errorf("after online: %v; want online with a fresh heartbeat", got)
	}
	if got := h.do(http.MethodGet, "/v1/agents/"+id, nil).object(t); got["offline"] != false {
		t.Errorf("API shows offline = %v", got["offline"])
	}

	h.serve(newRequest(t, http.MethodPost, "/_emulator/agents/0123456789abcdef01234567/online", nil)).
		wantError(t, http.StatusNotFound, codeNotFound, "")
	if err := h.srv.SetAgentOnline("0123456789abcdef01234567", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetAgentOnline(unknown) = %v, want ErrNotFound", err)
	}
	h.serve(newRequest(t, http.MethodPost, "/_emulator/agents", `{"name":"x","onlne":true}`)).
		wantError(t, http.StatusBadRequest, codeInvalidJSON, "")
}
