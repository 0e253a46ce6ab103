package client

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestAPIError_decoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		wantText string // after "integrator.io API: GET /connections/<id>: "
		want     APIError
		sentinel error
	}{
		{
			name: "string code and field", status: 422,
			body:     `{"errors":[{"code":"invalid","message":"host is required","field":"rdbms.host"}]}`,
			wantText: "422 invalid: host is required (field rdbms.host)",
			want:     APIError{Code: "invalid", Message: "host is required", Field: "rdbms.host"},
			sentinel: ErrValidation,
		},
		{
			name: "numeric code", status: 401,
			body:     `{"errors":[{"code":401,"message":"Unauthorized"}]}`,
			wantText: "401 401: Unauthorized",
			want:     APIError{Code: "401", Message: "Unauthorized"},
			sentinel: ErrUnauthorized,
		},
		{
			name: "no field", status: 422,
			body:     `{"errors":[{"code":"invalid_ref","message":"the agent does not exist"}]}`,
			wantText: "422 invalid_ref: the agent does not exist",
			want:     APIError{Code: "invalid_ref", Message: "the agent does not exist"},
			sentinel: ErrValidation,
		},
		{
			name: "plain string errors", status: 403,
			body:     `{"errors":["This token may not read agents","ask an administrator"]}`,
			wantText: "403 This token may not read agents; ask an administrator",
			want:     APIError{Message: "This token may not read agents"},
			sentinel: ErrForbidden,
		},
		{
			name: "several errors", status: 422,
			body:     `{"errors":[{"code":"missing","message":"host is required","field":"rdbms.host"},{"code":"missing","field":"rdbms.user"}]}`,
			wantText: "422 missing: host is required (field rdbms.host); missing (field rdbms.user)",
			want:     APIError{Code: "missing", Message: "host is required", Field: "rdbms.host"},
			sentinel: ErrValidation,
		},
		{
			name: "top-level message", status: 403,
			body:     `{"message":"This token may not manage connections","code":"forbidden","unknown":[1]}`,
			wantText: "403 forbidden: This token may not manage connections",
			want:     APIError{Code: "forbidden", Message: "This token may not manage connections"},
			sentinel: ErrForbidden,
		},
		{
			name: "HTML from a proxy", status: 502,
			body:     "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title><style>body{}</style></head><body><h1>nginx</h1></body></html>",
			wantText: "502 Bad Gateway: unexpected non-JSON response: 502 Bad Gateway",
			want:     APIError{Message: "unexpected non-JSON response: 502 Bad Gateway"},
		},
		{
			name: "HTML without a title", status: 404,
			body:     "<html><body>\n<p>No\tsuch\r\nthing</p></body></html>",
			wantText: "404 Not Found: unexpected non-JSON response: No such thing",
			want:     APIError{Message: "unexpected non-JSON response: No such thing"},
			sentinel: ErrNotFound,
		},
		{
			name: "plain text with control characters", status: 400,
			body:     "bad \x1b[31mrequest\x00",
			wantText: "400 Bad Request: unexpected non-JSON response: bad [31mrequest",
			want:     APIError{Message: "unexpected non-JSON response: bad [31mrequest"},
		},
		{
			name: "empty body", status: 404, body: "",
			wantText: "404 Not Found",
			sentinel: ErrNotFound,
		},
		{
			name: "errors of the wrong shape", status: 400, body: `{"errors":"nope"}`,
			wantText: `400 Bad Request: unexpected response: {"errors":"nope"}`,
			want:     APIError{Message: `unexpected response: {"errors":"nope"}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, reply(tt.status, tt.body))
			c, _ := newTestClient(t, ts)
			_, err := c.Connections.Get(t.Context(), connectionID)

			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %v, want a *APIError", err)
			}
			wantText := "integrator.io API: GET /connections/" + connectionID + ": " + tt.wantText
			if err.Error() != wantText {
				t.Errorf("error text\n got %q\nwant %q", err, wantText)
			}
			if apiErr.StatusCode != tt.status || apiErr.Method != "GET" || apiErr.Path != "/connections/"+connectionID ||
				apiErr.Code != tt.want.Code || apiErr.Message != tt.want.Message || apiErr.Field != tt.want.Field {
				t.Errorf("APIError = %+v", apiErr)
			}
			for _, s := range []error{ErrNotFound, ErrUnauthorized, ErrForbidden, ErrValidation, ErrRateLimited, ErrOutcomeUnknown} {
				if got := errors.Is(err, s); got != errors.Is(s, tt.sentinel) {
					t.Errorf("errors.Is(err, %v) = %v", s, got)
				}
			}
		})
	}
}

func TestAPIError_longBodyIsBounded(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusBadGateway, strings.Repeat("x", 3<<20)))
	c, _ := newTestClient(t, ts, WithMaxRetries(0))
	_, err := c.Connections.Get(t.Context(), connectionID)
	if err == nil || len(err.Error()) > 400 || !strings.HasSuffix(err.Error(), "xxx…") {
		t.Fatalf("error of %d bytes, want a short excerpt: %.200v", len(err.Error()), err)
	}
}

// TestAPIError_tokenEchoed covers each place a server could echo the token back.
func TestAPIError_tokenEchoed(t *testing.T) {
	t.Parallel()
	tests := map[string]http.HandlerFunc{
		"code, message and field": reply(http.StatusUnprocessableEntity,
			`{"errors":[{"code":"`+testToken+`","message":"token `+testToken+` rejected","field":"`+testToken+`"}]}`),
		"escaped in JSON": reply(http.StatusUnauthorized,
			`{"errors":[{"message":"`+strings.ReplaceAll(testToken, "-", `\u002d`)+`"}]}`),
		"HTML title":        reply(http.StatusForbidden, "<html><title>Bearer "+testToken+"</title></html>"),
		"plain text":        reply(http.StatusBadRequest, "Authorization: Bearer "+testToken),
		"redirect":          reply(http.StatusFound, nil, "Location", "https://evil.example/?t="+testToken),
		"next link":         reply(http.StatusOK, `[]`, "Link", `</v1/connections?t=`+testToken+`>; rel="next"`),
		"foreign next link": reply(http.StatusOK, `[]`, "Link", `<https://evil.example/`+testToken+`>; rel="next"`),
		"success body":      reply(http.StatusOK, `not json `+testToken),
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, h, reply(http.StatusInternalServerError, `{"errors":[{"message":"`+testToken+`"}]}`))
			c, _ := newTestClient(t, ts, WithMaxRetries(0))
			_, err := c.Connections.List(t.Context())
			if err == nil {
				t.Fatal("List succeeded, want an error")
			}
			assertNoToken(t, err)
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				for _, d := range append(apiErr.Errors, ErrorDetail{apiErr.Code, apiErr.Message, apiErr.Field}) {
					assertTextHasNoToken(t, d.Code+" "+d.Message+" "+d.Field)
				}
				assertTextHasNoToken(t, apiErr.Path)
			}
		})
	}
}
