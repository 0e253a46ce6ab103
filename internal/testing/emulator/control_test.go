package emulator

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

func TestStats(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	a := idOf(t, h.create(validConnection()))
	b := idOf(t, h.create(validConnection()))
	h.do(http.MethodGet, "/v1/connections/"+a, nil)
	h.do(http.MethodGet, "/v1/connections/"+b, nil)
	h.do(http.MethodGet, "/v1/connections/not-an-id", nil)
	h.do(http.MethodPost, "/v1/connections/"+a+"/ping", nil)
	h.do(http.MethodPost, "/v1/connections/ping", validConnection())
	h.do(http.MethodPatch, "/v1/connections/"+a, nil)
	h.do(http.MethodGet, "/v1/nowhere", nil)
	h.serve(newRequest(t, http.MethodGet, "/v1/tokenInfo", nil)) // refused, still counted
	h.serve(newRequest(t, http.MethodGet, "/_emulator/connections", nil))

	want := map[string]int{
		"POST /v1/connections":           2,
		"GET /v1/connections/{id}":       3,
		"POST /v1/connections/{id}/ping": 1,
		"POST /v1/connections/ping":      1,
		"PATCH /v1/connections/{id}":     1,
		"GET /v1/nowhere":                1,
		"GET /v1/tokenInfo":              1,
	}
	if got := h.srv.Stats(); !reflect.DeepEqual(got, want) {
		t.Errorf("Stats() = %v, want %v", got, want)
	}

	res := h.serve(newRequest(t, http.MethodGet, "/_emulator/stats", nil))
	res.wantStatus(t, http.StatusOK)
	var body struct {
		Requests map[string]int `json:"requests"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil || !reflect.DeepEqual(body.Requests, want) {
		t.Errorf("GET /_emulator/stats = %s (%v), want requests %v", res.body, err, want)
	}

	h.serve(newRequest(t, http.MethodDelete, "/_emulator/stats", nil)).wantStatus(t, http.StatusNoContent)
	if got := h.srv.Stats(); len(got) != 0 {
		t.Errorf("after reset: %v", got)
	}
	h.do(http.MethodGet, "/v1/connections", nil)
	if got := h.srv.Stats(); !reflect.DeepEqual(got, map[string]int{"GET /v1/connections": 1}) {
		t.Errorf("counting after reset: %v", got)
	}
}

func TestControl_rawConnectionsAreUnmasked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	h.serve(newRequest(t, http.MethodGet, "/_emulator/connections", nil)).wantStatus(t, http.StatusOK)
	if got := h.serve(newRequest(t, http.MethodGet, "/_emulator/connections", nil)); string(got.body) != "[]" {
		t.Errorf("no connections: %s, want []", got.body)
	}
	h.create(validConnection())

	res := h.serve(newRequest(t, http.MethodGet, "/_emulator/connections", nil))
	res.wantStatus(t, http.StatusOK)
	raw := res.array(t)
	if len(raw) != 1 || at(raw[0], "rdbms.password") != "s3cret-password" || at(raw[0], "rdbms.ssl.key") != "KEY PEM" {
		t.Errorf("raw connections %v, want the real secrets", raw)
	}

	// The Go mirror hands out copies: changing one does not change the store.
	docs := h.srv.Connections()
	set(docs[0], "rdbms.password", "tampered")
	if at(h.srv.Connections()[0], "rdbms.password") != "s3cret-password" {
		t.Error("Connections() shares maps with the store")
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{RateLimitBurst: 3, RateLimitPerSecond: 1})
	if _, err := h.srv.AddAgent(AgentSpec{Name: "edge"}); err != nil {
		t.Fatal(err)
	}
	h.create(validConnection())
	h.do(http.MethodGet, "/v1/connections", nil)
	h.do(http.MethodGet, "/v1/connections", nil)
	h.do(http.MethodGet, "/v1/connections", nil).wantStatus(t, http.StatusTooManyRequests)
	if err := h.srv.SetFaults(FaultConfig{Rules: []FaultRule{{Path: "/v1/agents", Kind: FaultStatus}}}); err != nil {
		t.Fatal(err)
	}

	h.serve(newRequest(t, http.MethodPost, "/_emulator/reset", nil)).wantStatus(t, http.StatusNoContent)

	if n, m := len(h.srv.Connections()), len(h.srv.Agents()); n+m != 0 {
		t.Errorf("after reset: %d connections, %d agents", n, m)
	}
	if cfg, _ := h.srv.Faults(); len(cfg.Rules) != 0 {
		t.Errorf("after reset: faults %v", cfg)
	}
	// The rate-limit bucket is full again, and no fault answers.
	for range 3 {
		h.do(http.MethodGet, "/v1/agents", nil).wantStatus(t, http.StatusNoContent)
	}
	if got := h.srv.Stats(); !reflect.DeepEqual(got, map[string]int{"GET /v1/agents": 3}) {
		t.Errorf("stats after reset: %v", got)
	}
	// The configuration survives: the token still works.
	h.do(http.MethodGet, "/v1/tokenInfo", nil).wantStatus(t, http.StatusTooManyRequests)
}
