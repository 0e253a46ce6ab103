package client

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestBaseURLForRegion(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]string{
		"us": "https://api.integrator.io/v1",
		"eu": "https://api.eu.integrator.io/v1",
		"EU": "https://api.eu.integrator.io/v1",
	} {
		got, err := BaseURLForRegion(region)
		if err != nil || got != want {
			t.Errorf("BaseURLForRegion(%q) = %q, %v; want %q", region, got, err, want)
		}
	}
	for _, region := range Regions {
		if _, err := BaseURLForRegion(region); err != nil {
			t.Errorf("Regions lists %q but BaseURLForRegion refuses it: %v", region, err)
		}
	}
	if _, err := BaseURLForRegion("ap"); err == nil || !strings.Contains(err.Error(), "us, eu") {
		t.Errorf("BaseURLForRegion(ap) error = %v, want one naming the valid regions", err)
	}
}

func TestNew_baseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []ClientOption
		want    string
		wantErr string
	}{
		{name: "default is us", want: "https://api.integrator.io/v1"},
		{name: "eu", opts: []ClientOption{WithRegion("eu")}, want: "https://api.eu.integrator.io/v1"},
		{name: "base URL overrides region whatever the order",
			opts: []ClientOption{WithBaseURL("https://proxy.example.com/v1/"), WithRegion("eu")},
			want: "https://proxy.example.com/v1"},
		{name: "http on localhost", opts: []ClientOption{WithBaseURL("http://localhost:8080/v1")}, want: "http://localhost:8080/v1"},
		{name: "http on 127/8", opts: []ClientOption{WithBaseURL("http://127.3.4.5:1/v1")}, want: "http://127.3.4.5:1/v1"},
		{name: "http on ::1", opts: []ClientOption{WithBaseURL("http://[::1]:9/v1")}, want: "http://[::1]:9/v1"},
		{name: "unknown region", opts: []ClientOption{WithRegion("mars")}, wantErr: `unknown integrator.io region "mars"`},
		{name: "http elsewhere", opts: []ClientOption{WithBaseURL("http://api.integrator.io/v1")}, wantErr: "use https"},
		{name: "http on a name that only starts like loopback",
			opts: []ClientOption{WithBaseURL("http://127.0.0.1.example.com/v1")}, wantErr: "use https"},
		{name: "relative", opts: []ClientOption{WithBaseURL("/v1")}, wantErr: "must be absolute"},
		{name: "other scheme", opts: []ClientOption{WithBaseURL("ftp://example.com/v1")}, wantErr: "must use https"},
		{name: "credentials in URL", opts: []ClientOption{WithBaseURL("https://user:hunter2@example.com/v1")}, wantErr: "must not contain credentials"},
		{name: "query", opts: []ClientOption{WithBaseURL("https://example.com/v1?x=1")}, wantErr: "must not have a query"},
		{name: "max retries out of range", opts: []ClientOption{WithMaxRetries(-1)}, wantErr: "out of range"},
		{name: "nil http client", opts: []ClientOption{WithHTTPClient(nil)}, wantErr: "nil"},
		{name: "multi-line user agent", opts: []ClientOption{WithUserAgent("a\r\nX-Evil: 1")}, wantErr: "single line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(append([]ClientOption{WithToken(testToken)}, tt.opts...)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New error = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error repeats the password of the URL: %v", err)
				}
				assertNoToken(t, err)
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if got := c.BaseURL(); got != tt.want {
				t.Errorf("BaseURL() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNew_token(t *testing.T) {
	t.Parallel()
	if _, err := New(); err == nil || !strings.Contains(err.Error(), "WithToken") {
		t.Errorf("New without a token: error = %v, want one pointing at WithToken", err)
	}
	_, err := New(WithToken(testToken + "\n"))
	if err == nil || !strings.Contains(err.Error(), "control characters") {
		t.Errorf("New with a newline in the token: error = %v", err)
	}
	assertNoToken(t, err)
}

func TestNew_refusesRedirects(t *testing.T) {
	t.Parallel()
	target := newTestServer(t, reply(http.StatusOK, `{"_id":"x"}`))
	ts := newTestServer(t, reply(http.StatusFound, nil, "Location", target.URL+"/v1/connections"))
	c, _ := newTestClient(t, ts)

	_, err := c.Connections.Create(t.Context(), &Connection{Type: "rdbms", Name: "x"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusFound {
		t.Fatalf("Create answered by a redirect: error = %v, want a *APIError with status 302", err)
	}
	if !strings.Contains(err.Error(), "unexpected redirect to "+target.URL) {
		t.Errorf("error %q does not name the redirect", err)
	}
	if len(target.Requests()) != 0 {
		t.Error("the client followed the redirect")
	}
}

func TestTokenInfo(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusOK, `{"_userId":"5f0000000000000000000001","scope":"*","extra":true}`))
	c, _ := newTestClient(t, ts)

	info, err := c.TokenInfo(t.Context())
	if err != nil {
		t.Fatalf("TokenInfo: %v", err)
	}
	if info.UserID != "5f0000000000000000000001" || string(info.Scope) != `"*"` || !info.FullAccess() {
		t.Errorf("TokenInfo = %+v", info)
	}
	reqs := ts.Requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].Path != "/v1/tokenInfo" {
		t.Fatalf("requests = %+v, want one GET /v1/tokenInfo", reqs)
	}
	checkHeaders(t, reqs[0])
}

// TestTokenInfo_scopeShapes: the scope of a custom-scoped token has an unpublished shape, so any
// JSON value decodes (kept raw) and only "*" counts as full access.
func TestTokenInfo_scopeShapes(t *testing.T) {
	t.Parallel()
	for _, scope := range []string{
		`"*"`, `"connections:read"`, `["connections","exports"]`,
		`{"connections":"full","exports":["read"],"agents":null}`, `7`, `true`, `null`, ``,
	} {
		t.Run(scope, func(t *testing.T) {
			t.Parallel()
			body := `{"_userId":"5f0000000000000000000001"}`
			if scope != "" {
				body = `{"_userId":"5f0000000000000000000001","scope":` + scope + `}`
			}
			ts := newTestServer(t, reply(http.StatusOK, body))
			c, _ := newTestClient(t, ts)
			info, err := c.TokenInfo(t.Context())
			if err != nil {
				t.Fatalf("TokenInfo: %v", err)
			}
			if info.UserID != "5f0000000000000000000001" || string(info.Scope) != scope {
				t.Errorf("TokenInfo = {UserID:%s Scope:%s}, want scope %s kept as sent", info.UserID, info.Scope, scope)
			}
			if got, want := info.FullAccess(), scope == `"*"`; got != want {
				t.Errorf("FullAccess() = %v, want %v", got, want)
			}
		})
	}
}

func TestTokenInfo_unauthorized(t *testing.T) {
	t.Parallel()
	// A server that echoes the token it was given must not get it into the error.
	ts := newTestServer(t, reply(http.StatusUnauthorized,
		`{"errors":[{"code":"unauthorized","message":"Bearer `+testToken+` is not a valid token"}]}`))
	c, w := newTestClient(t, ts)

	_, err := c.TokenInfo(t.Context())
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("error = %v, want ErrUnauthorized", err)
	}
	assertNoToken(t, err)
	if !strings.Contains(err.Error(), "Bearer [REDACTED] is not a valid token") {
		t.Errorf("error = %q, want the message with the token redacted", err)
	}
	if n := len(ts.Requests()); n != 1 || len(w.All()) != 0 {
		t.Errorf("a 401 was retried: %d requests", n)
	}
}

// An error quotes a base URL without what may hold a secret: user information, query, fragment.
func TestNew_baseURLErrorsRedactTheURL(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-in-url-71fa"
	for _, raw := range []string{
		"https://" + secret + "@example.com/v1",
		"https://user:" + secret + "@example.com/v1",
		"https://example.com/v1?token=" + secret,
		"https://example.com/v1#" + secret,
		"http://api.example.com/v1?token=" + secret,
		"ftp://" + secret + "@example.com/v1?x=" + secret,
		"/v1?token=" + secret,
		"https:" + secret + "@example.com",
		"https://example.com/v1?" + secret + "\x7f",
	} {
		_, err := New(WithToken(testToken), WithBaseURL(raw))
		if err == nil {
			t.Errorf("New(%q) succeeded", raw)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("New(%q) error quotes the secret: %v", raw, err)
		}
	}
	for raw, want := range map[string]string{
		"https://user:pw@example.com/v1?a=b#c": "https://***@example.com/v1?***#***",
		"https://example.com/v1":               "https://example.com/v1",
		"https:opaque-secret":                  "https:***",
		"http://[::1%zone":                     "(a value that does not parse as a URL, not shown)",
	} {
		if got := RedactedURL(raw); got != want {
			t.Errorf("RedactedURL(%q) = %q, want %q", raw, got, want)
		}
	}
}
