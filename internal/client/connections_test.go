package client

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

const connectionID = "62beb2c2a0f5f2144816f818"

// storedConnection is a document as the server returns it: masked secrets, a port as a string
// (old documents), server-set fields and a field this client does not know.
const storedConnection = `{
  "_id": "62beb2c2a0f5f2144816f818",
  "type": "rdbms",
  "name": "Orders DB",
  "offline": true,
  "_agentId": "5f96e6a30a45077b3a08f3c9",
  "rdbms": {
    "type": "postgresql", "host": "db.internal", "port": "5432", "database": "orders",
    "user": "svc", "password": "******",
    "ssl": {"ca": "-----BEGIN CERTIFICATE-----", "key": "******"},
    "options": [{"name": "statement_timeout", "value": "30000"}],
    "concurrencyLevel": 5,
    "somethingNew": {"nested": [1, 2]}
  },
  "createdAt": "2022-07-01T08:39:30.787Z",
  "lastModified": "2022-07-04T02:51:17.529Z",
  "sandbox": false
}`

// newConnection is a document as a caller sends it, with the fields only the server may set
// filled in to prove they are not sent.
func newConnection() *Connection {
	created := time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC)
	return &Connection{
		ID: "must-not-be-sent", Offline: true, CreatedAt: &created, LastModified: &created,
		Type: ConnectionTypeRDBMS, Name: "Orders DB",
		RDBMS: &RDBMS{
			Type: RDBMSTypePostgreSQL, Host: "db.internal", Port: 5432, Database: "orders",
			User: "svc", Password: "p@ss word",
			SSL:     &SSL{CA: "ca-pem"},
			Options: []Option{{Name: "statement_timeout", Value: "30000"}},
		},
	}
}

// newConnectionJSON is what newConnection must encode to.
const newConnectionJSON = `{
  "type": "rdbms", "name": "Orders DB",
  "rdbms": {"type": "postgresql", "host": "db.internal", "port": 5432, "database": "orders",
            "user": "svc", "password": "p@ss word", "ssl": {"ca": "ca-pem"},
            "options": [{"name": "statement_timeout", "value": "30000"}]}
}`

func checkStoredConnection(t *testing.T, c *Connection) {
	t.Helper()
	if c == nil {
		t.Fatal("connection is nil")
	}
	if c.ID != connectionID || c.Name != "Orders DB" || !c.Offline || c.AgentID != "5f96e6a30a45077b3a08f3c9" {
		t.Errorf("top level decoded as %+v", c)
	}
	if c.RDBMS == nil || c.RDBMS.Port != 5432 || c.RDBMS.Host != "db.internal" || !IsMasked(c.RDBMS.Password) ||
		c.RDBMS.SSL == nil || !IsMasked(c.RDBMS.SSL.Key) || len(c.RDBMS.Options) != 1 {
		t.Errorf("rdbms decoded as %+v", c.RDBMS)
	}
	if c.CreatedAt == nil || c.CreatedAt.Year() != 2022 {
		t.Errorf("createdAt decoded as %v", c.CreatedAt)
	}
}

// TestConnections_requests checks method, path, headers and body of every connection call.
func TestConnections_requests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		call       func(*Client) (*Connection, error)
		wantMethod string
		wantPath   string // escaped, as on the wire
		wantBody   string // JSON; "" for no body
	}{
		{
			name:       "get",
			handler:    reply(http.StatusOK, storedConnection),
			call:       func(c *Client) (*Connection, error) { return c.Connections.Get(t.Context(), connectionID) },
			wantMethod: http.MethodGet, wantPath: "/v1/connections/" + connectionID,
		},
		{
			name:    "get escapes the id",
			handler: reply(http.StatusOK, storedConnection),
			call: func(c *Client) (*Connection, error) {
				return c.Connections.Get(t.Context(), "a/b c?d")
			},
			wantMethod: http.MethodGet, wantPath: "/v1/connections/a%2Fb%20c%3Fd",
		},
		{
			name:       "create",
			handler:    reply(http.StatusCreated, storedConnection),
			call:       func(c *Client) (*Connection, error) { return c.Connections.Create(t.Context(), newConnection()) },
			wantMethod: http.MethodPost, wantPath: "/v1/connections", wantBody: newConnectionJSON,
		},
		{
			name:    "replace",
			handler: reply(http.StatusOK, storedConnection),
			call: func(c *Client) (*Connection, error) {
				return c.Connections.Replace(t.Context(), connectionID, newConnection())
			},
			wantMethod: http.MethodPut, wantPath: "/v1/connections/" + connectionID, wantBody: newConnectionJSON,
		},
		{
			name:    "delete",
			handler: reply(http.StatusNoContent, nil),
			call: func(c *Client) (*Connection, error) {
				return nil, c.Connections.Delete(t.Context(), connectionID)
			},
			wantMethod: http.MethodDelete, wantPath: "/v1/connections/" + connectionID,
		},
		{
			name:    "ping saved",
			handler: reply(http.StatusOK, `{"code":200}`),
			call: func(c *Client) (*Connection, error) {
				return nil, c.Connections.Ping(t.Context(), connectionID)
			},
			wantMethod: http.MethodPost, wantPath: "/v1/connections/" + connectionID + "/ping", wantBody: `{}`,
		},
		{
			name:    "ping unsaved",
			handler: reply(http.StatusOK, nil),
			call: func(c *Client) (*Connection, error) {
				return nil, c.Connections.PingUnsaved(t.Context(), newConnection())
			},
			wantMethod: http.MethodPost, wantPath: "/v1/connections/ping", wantBody: newConnectionJSON,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, tt.handler)
			c, _ := newTestClient(t, ts)

			got, err := tt.call(c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if got != nil {
				checkStoredConnection(t, got)
			}
			reqs := ts.Requests()
			if len(reqs) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.wantMethod || r.RawPath != tt.wantPath {
				t.Errorf("request %s %s, want %s %s", r.Method, r.RawPath, tt.wantMethod, tt.wantPath)
			}
			checkHeaders(t, r)
			if tt.wantBody == "" {
				if len(r.Body) != 0 {
					t.Errorf("unexpected request body %s", r.Body)
				}
			} else {
				jsonEqual(t, r.Body, tt.wantBody)
			}
		})
	}
}

func TestConnections_emptyID(t *testing.T) {
	t.Parallel()
	c, err := New(WithToken(testToken), WithBaseURL("http://127.0.0.1:1/v1"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	_, getErr := c.Connections.Get(ctx, "")
	_, putErr := c.Connections.Replace(ctx, "", newConnection())
	_, agentErr := c.Agents.Get(ctx, "")
	for _, err := range []error{getErr, putErr, c.Connections.Delete(ctx, ""), c.Connections.Ping(ctx, ""), agentErr} {
		if err == nil || !strings.Contains(err.Error(), "id is empty") {
			t.Errorf("error = %v, want one saying the id is empty", err)
		}
	}
	if _, err := c.Connections.Create(ctx, nil); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("Create(nil) error = %v", err)
	}
}

func TestConnections_getDecoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr string // "" for success
		check   func(*testing.T, *Connection)
	}{
		{
			name:    "missing rdbms is nil",
			handler: reply(http.StatusOK, `{"_id":"`+connectionID+`","type":"rdbms","name":"n"}`),
			check: func(t *testing.T, c *Connection) {
				if c.RDBMS != nil {
					t.Errorf("RDBMS = %+v, want nil", c.RDBMS)
				}
			},
		},
		{
			name:    "null rdbms is nil",
			handler: reply(http.StatusOK, `{"_id":"`+connectionID+`","rdbms":null}`),
			check: func(t *testing.T, c *Connection) {
				if c.RDBMS != nil {
					t.Errorf("RDBMS = %+v, want nil", c.RDBMS)
				}
			},
		},
		{
			name:    "numeric port",
			handler: reply(http.StatusOK, `{"_id":"`+connectionID+`","rdbms":{"type":"postgresql","port":6543}}`),
			check: func(t *testing.T, c *Connection) {
				if c.RDBMS.Port != 6543 {
					t.Errorf("port = %d", c.RDBMS.Port)
				}
			},
		},
		{
			name:    "port as a string with spaces",
			handler: reply(http.StatusOK, `{"_id":"`+connectionID+`","rdbms":{"type":"postgresql","port":" 5432 "}}`),
			check: func(t *testing.T, c *Connection) {
				if c.RDBMS.Port != 5432 {
					t.Errorf("port = %d, want 5432", c.RDBMS.Port)
				}
			},
		},
		{name: "empty body", handler: reply(http.StatusOK, nil), wantErr: "answered 200 with an empty body where a connection was expected"},
		{name: "null", handler: reply(http.StatusOK, "null"), wantErr: "something other than a JSON connection"},
		{name: "array", handler: reply(http.StatusOK, "[]"), wantErr: "something other than a JSON connection"},
		{
			name:    "HTML from a proxy",
			handler: reply(http.StatusOK, "<html><head><title>Sign in to the corporate proxy</title></head><body>...</body></html>", "Content-Type", "text/html"),
			wantErr: "something other than a JSON connection (Content-Type text/html): Sign in to the corporate proxy",
		},
		{name: "no _id", handler: reply(http.StatusOK, `{"name":"n"}`), wantErr: "has no _id"},
		{name: "truncated JSON", handler: reply(http.StatusOK, `{"_id":"x","name":`), wantErr: "cannot decode the connection"},
		{name: "bad port", handler: reply(http.StatusOK, `{"_id":"x","rdbms":{"port":"abc"}}`), wantErr: `port "abc" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, tt.handler)
			c, _ := newTestClient(t, ts)
			conn, err := c.Connections.Get(t.Context(), connectionID)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "integrator.io API: GET /connections/"+connectionID+": ") {
					t.Errorf("error %q does not name the request", err)
				}
				if conn != nil {
					t.Errorf("got a document %+v along with the error", conn)
				}
				assertNoToken(t, err)
				return
			}
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			tt.check(t, conn)
		})
	}
}

func TestConnections_deleteNotFound(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusNotFound, `{"errors":[{"code":"not_found","message":"Connection not found"}]}`))
	c, w := newTestClient(t, ts)
	err := c.Connections.Delete(t.Context(), connectionID)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("error = %v, want ErrNotFound", err)
	}
	if got := err.Error(); got != "integrator.io API: DELETE /connections/"+connectionID+": 404 not_found: Connection not found" {
		t.Errorf("error text = %q", got)
	}
	if len(ts.Requests()) != 1 || len(w.All()) != 0 {
		t.Error("a 404 was retried")
	}
}

func TestConnections_ping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		status  int    // of the *APIError; 0 for success
		wantErr string // exact error text
	}{
		{name: "legacy success body", handler: reply(http.StatusOK, `{"code":200}`)},
		{name: "empty errors array", handler: reply(http.StatusOK, `{"errors":[]}`)},
		{name: "no body", handler: reply(http.StatusNoContent, nil)},
		{
			name:    "200 with errors and a numeric code",
			handler: reply(http.StatusOK, `{"errors":[{"code":401,"message":"password authentication failed for user \"svc\""}]}`),
			status:  http.StatusOK,
			wantErr: `integrator.io API: POST /connections/` + connectionID + `/ping: test failed: 401: password authentication failed for user "svc"`,
		},
		{
			name:    "200 with errors as plain strings",
			handler: reply(http.StatusOK, `{"errors":["connect ECONNREFUSED 10.0.0.5:5432","second try timed out"]}`),
			status:  http.StatusOK,
			wantErr: `integrator.io API: POST /connections/` + connectionID + `/ping: test failed: connect ECONNREFUSED 10.0.0.5:5432; second try timed out`,
		},
		{
			name:    "400 with an error as a plain string",
			handler: reply(http.StatusBadRequest, `{"errors":["Unable to reach the on-premise agent"]}`),
			status:  http.StatusBadRequest,
			wantErr: `integrator.io API: POST /connections/` + connectionID + `/ping: 400 Unable to reach the on-premise agent`,
		},
		{
			name:    "200 with a string and an object",
			handler: reply(http.StatusOK, `{"errors":["timed out",{"code":401,"message":"denied"}]}`),
			status:  http.StatusOK,
			wantErr: `integrator.io API: POST /connections/` + connectionID + `/ping: test failed: timed out; 401: denied`,
		},
		{
			name:    "422 with errors",
			handler: reply(http.StatusUnprocessableEntity, `{"errors":[{"code":"ECONNREFUSED","message":"connect ECONNREFUSED 10.0.0.5:5432","field":"rdbms.host"}]}`),
			status:  http.StatusUnprocessableEntity,
			wantErr: `integrator.io API: POST /connections/` + connectionID + `/ping: 422 ECONNREFUSED: connect ECONNREFUSED 10.0.0.5:5432 (field rdbms.host)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, tt.handler)
			c, _ := newTestClient(t, ts)
			err := c.Connections.Ping(t.Context(), connectionID)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("Ping: %v", err)
				}
				return
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %v, want a *APIError", err)
			}
			if apiErr.StatusCode != tt.status || err.Error() != tt.wantErr {
				t.Errorf("error = %d %q\nwant %d %q", apiErr.StatusCode, err, tt.status, tt.wantErr)
			}
		})
	}
}

// TestConnections_pingUnsavedStringErrors: a failed test whose errors are plain strings is a
// failure whose message is the string, not an "unexpected response".
func TestConnections_pingUnsavedStringErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusOK, `{"errors":["password authentication failed for user \"svc\""]}`))
	c, _ := newTestClient(t, ts)
	err := c.Connections.PingUnsaved(t.Context(), newConnection())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusOK || apiErr.Code != "" ||
		apiErr.Message != `password authentication failed for user "svc"` || len(apiErr.Errors) != 1 {
		t.Fatalf("error = %#v, want a *APIError with status 200 and the string as its message", err)
	}
	if want := `integrator.io API: POST /connections/ping: test failed: password authentication failed for user "svc"`; err.Error() != want {
		t.Errorf("error text\n got %q\nwant %q", err, want)
	}
}

func TestConnections_pingUnsavedFailure(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusOK, `{"errors":[{"code":"28P01","message":"password authentication failed"}]}`))
	c, _ := newTestClient(t, ts)
	err := c.Connections.PingUnsaved(t.Context(), newConnection())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusOK || apiErr.Code != "28P01" {
		t.Fatalf("error = %#v, want a *APIError with status 200 and code 28P01", err)
	}
	if strings.Contains(err.Error(), "p@ss word") {
		t.Errorf("error repeats the password: %v", err)
	}
}
