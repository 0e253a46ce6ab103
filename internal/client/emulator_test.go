package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// Client tests against the emulator playing the readings of the API that are not proven: each
// names the emulator Config field that plays it.

// newEmulatorClient starts an emulator configured by cfg (testToken is added to its tokens) and
// returns a client for it, authenticated with token.
func newEmulatorClient(t *testing.T, cfg emulator.Config, token string) (*Client, *emulator.Server) {
	t.Helper()
	cfg.Tokens = append(cfg.Tokens, testToken)
	emu := emulator.New(cfg)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	c, err := New(WithToken(token), WithBaseURL(srv.URL+"/v1"), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c, emu
}

// TestEmulator_linksOnAnotherHost (Config.LinkHost): a listing of several pages whose next
// links name another host is read whole from the configured host; the other host sees nothing.
func TestEmulator_linksOnAnotherHost(t *testing.T) {
	t.Parallel()
	other := newTestServer(t, reply(http.StatusOK, `[]`))
	c, emu := newEmulatorClient(t, emulator.Config{LinkHost: strings.TrimPrefix(other.URL, "http://")}, testToken)
	// The client asks for pages of 1000, so three pages need more than 2000 agents.
	const n = 2345
	want := make(map[string]bool, n)
	for i := range n {
		id, err := emu.AddAgent(emulator.AgentSpec{Name: "agent-" + strings.Repeat("x", i%3)})
		if err != nil {
			t.Fatal(err)
		}
		want[id] = true
	}
	emu.ResetStats()

	agents, err := c.Agents.List(t.Context())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(agents) != n {
		t.Fatalf("listed %d agents, want %d", len(agents), n)
	}
	for _, a := range agents {
		if !want[a.ID] {
			t.Fatalf("agent %s listed twice or unknown", a.ID)
		}
		delete(want, a.ID)
	}
	if got := emu.Stats()["GET /v1/agents"]; got != 3 {
		t.Errorf("the emulator served %d pages, want 3", got)
	}
	if reqs := other.Requests(); len(reqs) != 0 {
		t.Errorf("the host named by the links got %d requests (token %q)", len(reqs), reqs[0].Header.Get("Authorization"))
	}
}

// TestEmulator_scopedToken (Config.ScopedTokens): the token information of a scoped token
// decodes whatever its scope's shape, and its agent calls fail with ErrForbidden.
func TestEmulator_scopedToken(t *testing.T) {
	t.Parallel()
	const scoped = "scoped-7c1d0e5f"
	c, emu := newEmulatorClient(t, emulator.Config{
		ScopedTokens: map[string]string{scoped: `{"connections":"full","imports":["read"],"n":1}`},
	}, scoped)
	id, err := emu.AddAgent(emulator.AgentSpec{Name: "dc1", Online: true})
	if err != nil {
		t.Fatal(err)
	}

	info, err := c.TokenInfo(t.Context())
	if err != nil {
		t.Fatalf("TokenInfo: %v", err)
	}
	if info.FullAccess() || string(info.Scope) != `{"connections":"full","imports":["read"],"n":1}` {
		t.Errorf("TokenInfo scope = %s, full access %v", info.Scope, info.FullAccess())
	}
	if _, err := c.Connections.List(t.Context()); err != nil {
		t.Errorf("listing connections: %v", err)
	}
	_, getErr := c.Agents.Get(t.Context(), id)
	_, listErr := c.Agents.List(t.Context())
	for _, err := range []error{getErr, listErr} {
		if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "403 forbidden: this API token's scope does not allow") {
			t.Errorf("error = %v, want ErrForbidden with the server's message", err)
		}
	}
}

// TestEmulator_agentOnlineField (Config.AgentOnlineField): agents that carry online instead of
// offline are read with the right state.
func TestEmulator_agentOnlineField(t *testing.T) {
	t.Parallel()
	c, emu := newEmulatorClient(t, emulator.Config{AgentOnlineField: true}, testToken)
	up, _ := emu.AddAgent(emulator.AgentSpec{Name: "up", Online: true})
	down, _ := emu.AddAgent(emulator.AgentSpec{Name: "down"})

	for id, offline := range map[string]bool{up: false, down: true} {
		a, err := c.Agents.Get(t.Context(), id)
		if err != nil || a.Offline != offline {
			t.Errorf("Get(%s) = %+v, %v; want offline %v", id, a, err, offline)
		}
	}
	agents, err := c.Agents.List(t.Context())
	if err != nil || len(agents) != 2 || agents[0].Offline || !agents[1].Offline {
		t.Errorf("List = %+v, %v; want up online and down offline", agents, err)
	}
}

// TestEmulator_pingErrorsAsStrings (Config.PingErrorsAsStrings, with both failure statuses):
// a failed test whose errors are plain strings is a failure carrying the text.
func TestEmulator_pingErrorsAsStrings(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusOK, http.StatusUnprocessableEntity} {
		c, _ := newEmulatorClient(t, emulator.Config{
			PingErrorsAsStrings: true,
			PingFailureStatus:   status,
			Pinger: func(context.Context, emulator.PingTarget) error {
				return errors.New(`password authentication failed for user "svc"`)
			},
		}, testToken)
		conn := newConnection()
		created, err := c.Connections.Create(t.Context(), conn)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		for _, err := range []error{c.Connections.Ping(t.Context(), created.ID), c.Connections.PingUnsaved(t.Context(), conn)} {
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status ||
				apiErr.Message != `password authentication failed for user "svc"` {
				t.Errorf("status %d: error = %v, want a failed test with the server's text", status, err)
			}
		}
	}
}

// TestEmulator_cursorPagingAndRefusedLimit (Config.CursorPaging, Config.MaxLimit): next links
// that carry a cursor are followed as given, and a service that refuses limit=1000 with 400
// invalid_query_params is listed without it at its own page size; the client remembers that for
// the process, so a second listing does not ask again.
func TestEmulator_cursorPagingAndRefusedLimit(t *testing.T) {
	t.Parallel()
	c, emu := newEmulatorClient(t, emulator.Config{CursorPaging: true, MaxLimit: 100, PageSize: 100}, testToken)
	const n = 250
	want := make(map[string]bool, n)
	for range n {
		id, err := emu.AddAgent(emulator.AgentSpec{Name: "agent"})
		if err != nil {
			t.Fatal(err)
		}
		want[id] = true
	}
	emu.ResetStats()
	for round, wantRequests := range []int{1 + 3, 3} { // the refused first page, then three pages; then three
		agents, err := c.Agents.List(t.Context())
		if err != nil {
			t.Fatalf("List %d: %v", round, err)
		}
		seen := map[string]bool{}
		for _, a := range agents {
			if !want[a.ID] || seen[a.ID] {
				t.Fatalf("List %d: agent %s listed twice or unknown", round, a.ID)
			}
			seen[a.ID] = true
		}
		if len(seen) != n {
			t.Fatalf("List %d: %d agents, want %d", round, len(seen), n)
		}
		if got := emu.Stats()["GET /v1/agents"]; got != wantRequests {
			t.Errorf("List %d: %d requests, want %d", round, got, wantRequests)
		}
		emu.ResetStats()
	}
}
