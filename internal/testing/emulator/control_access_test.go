package emulator

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The controls hand out unmasked secrets: they answer only a loopback Host, and with
// ControlsRequireToken only one of the API tokens.
func TestControl_onlyLoopbackHost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	for _, host := range []string{"127.0.0.1:8089", "127.0.0.2", "localhost:8089", "LOCALHOST", "[::1]:8089", "::1"} {
		req := newRequest(t, http.MethodGet, "/_emulator/connections", nil)
		req.Host = host
		h.serve(req).wantStatus(t, http.StatusOK)
	}
	for _, host := range []string{"example.com", "evil.example:8089", "10.0.0.5:8089", "0.0.0.0:8089", "localhost.evil.example", ""} {
		req := newRequest(t, http.MethodGet, "/_emulator/connections", nil)
		req.Host = host
		res := h.serve(req)
		res.wantStatus(t, http.StatusForbidden)
		if !strings.Contains(string(res.body), "answer only requests addressed to 127.0.0.1, [::1] or localhost") {
			t.Errorf("Host %q: body %s", host, res.body)
		}
	}
	// The API itself does not care which name it is reached by.
	req := newRequest(t, http.MethodGet, "/v1/tokenInfo", nil)
	req.Host = "emulator.ci.internal:8089"
	req.Header.Set("Authorization", "Bearer "+testToken)
	h.serve(req).wantStatus(t, http.StatusOK)
}

func TestControl_requiresTokenWhenAsked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{ControlsRequireToken: true, ForeignTokens: []string{"other-region-token"}})
	for name, auth := range map[string]string{"no token": "", "a wrong token": "Bearer nope",
		"another region's token": "Bearer other-region-token", "not a bearer": "Basic " + testToken} {
		req := newRequest(t, http.MethodPost, "/_emulator/reset", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res := h.serve(req)
		res.wantStatus(t, http.StatusUnauthorized)
		if !strings.Contains(string(res.body), "controls need one of its API tokens") {
			t.Errorf("%s: body %s", name, res.body)
		}
	}
	req := newRequest(t, http.MethodGet, "/_emulator/connections", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	h.serve(req).wantStatus(t, http.StatusOK)
	// The token does not replace the Host rule.
	req = newRequest(t, http.MethodGet, "/_emulator/connections", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Host = "emulator.example"
	h.serve(req).wantStatus(t, http.StatusForbidden)
}

// Every control registered is documented (the command's -h lists them), and nothing else is.
func TestControls_documented(t *testing.T) {
	t.Parallel()
	var registered []string
	for _, c := range Controls() {
		registered = append(registered, c.Method+" "+c.Path)
		if c.What == "" {
			t.Errorf("%s %s has no entry in controlDocs", c.Method, c.Path)
		}
	}
	slices.Sort(registered)
	if documented := documentedControls(); !slices.Equal(registered, documented) {
		t.Errorf("registered controls %v, documented %v", registered, documented)
	}
	if help := ControlsHelp(); !strings.Contains(help, "  GET /_emulator/connections") || strings.Count(help, "\n") != len(registered) {
		t.Errorf("ControlsHelp:\n%s", help)
	}
}
