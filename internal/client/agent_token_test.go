package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAgentsAccessToken(t *testing.T) {
	t.Parallel()
	const secret = "agent-secret-0123456789"
	cases := []struct {
		name, body string
		status     int
		want       string
		wantErr    string
		is         error
	}{
		{name: "ok", status: 200, body: `{"accessToken":"` + secret + `"}`, want: secret},
		{name: "not JSON", status: 200, body: secret, wantErr: "its body is not shown"},
		{name: "no token", status: 200, body: `{}`, wantErr: "without an accessToken"},
		{name: "forbidden", status: 403, body: `{"errors":[{"code":"forbidden","message":"no agents"}]}`, is: ErrForbidden},
		{name: "unknown agent", status: 404, body: `{"errors":[{"code":"not_found","message":"no agent"}]}`, is: ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodGet || r.URL.Path != "/v1/agents/aaaaaaaaaaaaaaaaaaaaaaaa/display-token" {
					t.Errorf("got %s %s", r.Method, r.URL.Path)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c, err := New(WithToken("t"), WithBaseURL(srv.URL+"/v1"), WithMaxRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Agents.AccessToken(context.Background(), "aaaaaaaaaaaaaaaaaaaaaaaa")
			switch {
			case tc.want != "":
				if err != nil || got != tc.want {
					t.Fatalf("got %q, %v", got, err)
				}
			case tc.is != nil:
				if !errors.Is(err, tc.is) {
					t.Fatalf("error %v is not %v", err, tc.is)
				}
			default:
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("the error shows the token: %v", err)
				}
			}
		})
	}
}
