package emulator

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{ForeignTokens: []string{"eu-token"}})

	tests := []struct {
		name, header, wantMessage string
	}{
		{"missing", "", "missing bearer token"},
		{"not bearer", "Basic " + testToken, "missing bearer token"},
		{"empty bearer", "Bearer ", "missing bearer token"},
		{"unknown", "Bearer not-a-token", "invalid or revoked"},
		{"prefix of a real token", "Bearer " + testToken[:5], "invalid or revoked"},
		{"foreign region", "Bearer eu-token", "issued for the EU region; use https://api.eu.integrator.io"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Every /v1 call is authenticated, including unknown paths.
			for _, path := range []string{"/v1/tokenInfo", "/v1/connections", "/v1/agents", "/v1/nope"} {
				req := newRequest(t, http.MethodGet, path, nil)
				if tt.header != "" {
					req.Header.Set("Authorization", tt.header)
				}
				res := h.serve(req)
				e := res.wantError(t, http.StatusUnauthorized, codeUnauthorized, "")
				if !strings.Contains(e.Message, tt.wantMessage) {
					t.Errorf("%s: message %q does not contain %q", path, e.Message, tt.wantMessage)
				}
				if strings.Contains(string(res.body), "eu-token") || strings.Contains(string(res.body), testToken[:5]) {
					t.Errorf("%s: the answer echoes the token: %s", path, res.body)
				}
			}
		})
	}
}

func TestAuth_euRegionNamesUS(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Region: "EU", ForeignTokens: []string{"us-token"}})
	req := newRequest(t, http.MethodGet, "/v1/tokenInfo", nil)
	req.Header.Set("Authorization", "Bearer us-token")
	e := h.serve(req).wantError(t, http.StatusUnauthorized, codeUnauthorized, "")
	if want := "issued for the US region; use https://api.integrator.io"; !strings.Contains(e.Message, want) {
		t.Errorf("message %q does not contain %q", e.Message, want)
	}
}

func TestTokenInfo(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	res := h.do(http.MethodGet, "/v1/tokenInfo", nil)
	res.wantStatus(t, http.StatusOK)
	info := res.object(t)
	if id, _ := info["_userId"].(string); !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(id) {
		t.Errorf("_userId = %v, want 24 lowercase hex digits", info["_userId"])
	}
	if info["scope"] != "*" {
		t.Errorf("scope = %v, want *", info["scope"])
	}
	if again := h.do(http.MethodGet, "/v1/tokenInfo", nil).object(t); again["_userId"] != info["_userId"] {
		t.Errorf("_userId changed between calls: %v then %v", info["_userId"], again["_userId"])
	}
}

func TestRequestBodies(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	valid := `{"type":"rdbms","name":"n","rdbms":{"type":"postgresql","host":"h","database":"d","user":"u","password":"p"}}`

	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		code        string
	}{
		{"text/plain", "text/plain", valid, http.StatusUnsupportedMediaType, codeUnsupportedMedia},
		{"form", "application/x-www-form-urlencoded", "name=x", http.StatusUnsupportedMediaType, codeUnsupportedMedia},
		{"no content type", "", valid, http.StatusUnsupportedMediaType, codeUnsupportedMedia},
		{"malformed", "application/json", `{"name":`, http.StatusBadRequest, codeInvalidJSON},
		{"not json at all", "application/json", `<xml/>`, http.StatusBadRequest, codeInvalidJSON},
		{"empty", "application/json", ``, http.StatusBadRequest, codeInvalidJSON},
		{"array", "application/json", `[]`, http.StatusBadRequest, codeInvalidJSON},
		{"string", "application/json", `"x"`, http.StatusBadRequest, codeInvalidJSON},
		{"trailing data", "application/json", valid + `{}`, http.StatusBadRequest, codeInvalidJSON},
		{"too large", "application/json", `{"name":"` + strings.Repeat("x", maxBodyBytes) + `"}`, http.StatusRequestEntityTooLarge, codeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, target := range []struct{ method, path string }{
				{http.MethodPost, "/v1/connections"},
				{http.MethodPost, "/v1/connections/ping"},
				{http.MethodPost, "/v1/agents"},
			} {
				req := newRequest(t, target.method, target.path, tt.body)
				req.Header.Del("Content-Type")
				if tt.contentType != "" {
					req.Header.Set("Content-Type", tt.contentType)
				}
				req.Header.Set("Authorization", "Bearer "+testToken)
				h.serve(req).wantError(t, tt.status, tt.code, "")
			}
		})
	}
	if n := len(h.srv.Connections()); n != 0 {
		t.Errorf("%d connections stored from bad bodies", n)
	}

	t.Run("json with charset and +json accepted", func(t *testing.T) {
		t.Parallel()
		for _, ct := range []string{"application/json; charset=utf-8", "application/vnd.api+json"} {
			req := newRequest(t, http.MethodPost, "/v1/connections", valid)
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Authorization", "Bearer "+testToken)
			h.serve(req).wantStatus(t, http.StatusCreated)
		}
	})
}

func TestQueryParameters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	for _, q := range []string{"skip=x", "skip=-1", "skip=1.5", "limit=abc", "limit=0", "limit=-3", "limit="} {
		for _, path := range []string{"/v1/connections?", "/v1/agents?"} {
			t.Run(path+q, func(t *testing.T) {
				t.Parallel()
				field, _, _ := strings.Cut(q, "=")
				h.in(t).do(http.MethodGet, path+q, nil).wantError(t, http.StatusBadRequest, codeInvalidQuery, field)
			})
		}
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	id := idOf(t, h.create(validConnection()))

	for _, path := range []string{"/v1", "/v1/", "/v1/connection", "/v1/connections/" + id + "/nope", "/v1/connections/", "/v1/agents//display-token"} {
		h.do(http.MethodGet, path, nil).wantError(t, http.StatusNotFound, codeNotFound, "")
	}
	h.serve(newRequest(t, http.MethodGet, "/", nil)).wantError(t, http.StatusNotFound, codeNotFound, "")
	h.serve(newRequest(t, http.MethodGet, "/_emulator/nope", nil)).wantError(t, http.StatusNotFound, codeNotFound, "")

	tests := []struct{ method, path, allow string }{
		{http.MethodPatch, "/v1/connections/" + id, "DELETE, GET, PUT"},
		{http.MethodDelete, "/v1/connections", "GET, POST"},
		{http.MethodPut, "/v1/connections/" + id + "/ping", "GET, POST"},
		{http.MethodGet, "/v1/agents/" + id + "/change-token", "PUT"},
		{http.MethodPost, "/v1/tokenInfo", "GET"},
		{http.MethodGet, "/_emulator/reset", "POST"},
	}
	for _, tt := range tests {
		res := h.do(tt.method, tt.path, nil)
		res.wantError(t, http.StatusMethodNotAllowed, codeMethodNotAllowed, "")
		if got := res.header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow = %q, want %q", tt.method, tt.path, got, tt.allow)
		}
	}

	// The literal route wins over {id}: this is the unsaved-connection test, not a 404.
	h.do(http.MethodPost, "/v1/connections/ping", validConnection()).wantStatus(t, http.StatusOK)
}
