package client

import (
	"net/http"
	"strings"
	"testing"
)

func TestConnectionsList_followsLinkAcrossPages(t *testing.T) {
	t.Parallel()
	var base string // the server's URL, known once it runs
	ts := newTestServer(t,
		// Relative link, after another relation in the same header.
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Link", `</v1/connections?skip=0&limit=2>; rel="first", </v1/connections?skip=2&limit=2>; rel="next"`)
			reply(http.StatusOK, `[{"_id":"a","name":"A"},{"_id":"b","name":"B","rdbms":{"port":"5432"}}]`)(w, r)
		},
		// Absolute link in a second Link header, with unquoted rel and several relations.
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Link", `<`+base+`/v1/connections?skip=0&limit=2>; rel=prev`)
			w.Header().Add("Link", `<`+base+`/v1/connections?skip=4&limit=2>; title="a, b"; rel="next last"`)
			reply(http.StatusOK, `[{"_id":"c","name":"C"},{"_id":"d","name":"D"}]`)(w, r)
		},
		reply(http.StatusOK, `[{"_id":"e","name":"E","unknown":1}]`),
	)
	base = ts.URL
	c, _ := newTestClient(t, ts)

	conns, err := c.Connections.List(t.Context())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var ids []string
	for _, conn := range conns {
		ids = append(ids, conn.ID)
	}
	if got := strings.Join(ids, ","); got != "a,b,c,d,e" {
		t.Errorf("ids = %s, want a,b,c,d,e", got)
	}
	if conns[1].RDBMS == nil || conns[1].RDBMS.Port != 5432 {
		t.Errorf("second connection's rdbms = %+v", conns[1].RDBMS)
	}

	reqs := ts.Requests()
	wantQueries := []string{"limit=1000", "skip=2&limit=2", "skip=4&limit=2"} // the first asks for the largest page
	if len(reqs) != len(wantQueries) {
		t.Fatalf("server saw %d requests, want %d", len(reqs), len(wantQueries))
	}
	for i, r := range reqs {
		if r.Method != http.MethodGet || r.Path != "/v1/connections" || r.Query != wantQueries[i] {
			t.Errorf("request %d: %s %s?%s, want GET /v1/connections?%s", i, r.Method, r.Path, r.Query, wantQueries[i])
		}
		checkHeaders(t, r)
	}
}

func TestList_empty(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]http.HandlerFunc{
		"204":            reply(http.StatusNoContent, nil),
		"200 empty body": reply(http.StatusOK, nil),
		"200 empty list": reply(http.StatusOK, "[]"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, h)
			c, _ := newTestClient(t, ts)
			conns, err := c.Connections.List(t.Context())
			if err != nil || len(conns) != 0 {
				t.Errorf("Connections.List = %v, %v; want empty", conns, err)
			}
			agents, err := c.Agents.List(t.Context())
			if err != nil || len(agents) != 0 {
				t.Errorf("Agents.List = %v, %v; want empty", agents, err)
			}
		})
	}
}

func TestList_refusesBadPaging(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusOK, `[{"_id":"a"}]`, "Link", `</v1/connections>; rel="next"`))
	c, _ := newTestClient(t, ts)
	_, err := c.Connections.List(t.Context())
	if err == nil || !strings.Contains(err.Error(), "points back to a page already read") {
		t.Fatalf("error = %v, want the loop refused", err)
	}
}

// TestList_linkOnAnotherHost: a next link naming another host (or scheme) is followed by its
// path and query on the configured host, as Celigo's CLI does; the other host never sees a
// request, so it never sees the token.
func TestList_linkOnAnotherHost(t *testing.T) {
	t.Parallel()
	other := newTestServer(t, reply(http.StatusOK, `[{"_id":"stolen"}]`))
	ts := newTestServer(t,
		reply(http.StatusOK, `[{"_id":"a"}]`, "Link", `<`+other.URL+`/v1/connections?skip=1&limit=1>; rel="next"`),
		reply(http.StatusOK, `[{"_id":"b"}]`, "Link", `<https://user:pass@api.elsewhere.example:8443/v1/connections?skip=2&limit=1#frag>; rel="next"`),
		reply(http.StatusOK, `[{"_id":"c"}]`),
	)
	logs := &recordingLogger{}
	c, _ := newTestClient(t, ts, WithLogger(logs))

	conns, err := c.Connections.List(t.Context())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var ids []string
	for _, conn := range conns {
		ids = append(ids, conn.ID)
	}
	if got := strings.Join(ids, ","); got != "a,b,c" {
		t.Errorf("ids = %s, want a,b,c", got)
	}
	reqs := ts.Requests()
	wantQueries := []string{"limit=1000", "skip=1&limit=1", "skip=2&limit=1"}
	if len(reqs) != len(wantQueries) {
		t.Fatalf("server saw %d requests, want %d", len(reqs), len(wantQueries))
	}
	for i, r := range reqs {
		if r.Path != "/v1/connections" || r.Query != wantQueries[i] {
			t.Errorf("request %d: %s?%s, want /v1/connections?%s", i, r.Path, r.Query, wantQueries[i])
		}
		checkHeaders(t, r)
	}
	if n := len(other.Requests()); n != 0 {
		t.Errorf("the client sent %d requests to the host named by the link", n)
	}
	var hosts []string
	for _, l := range logs.Lines("debug") {
		if h, ok := l.fields["link_host"]; ok {
			hosts = append(hosts, h.(string))
		}
	}
	if got := strings.Join(hosts, " "); got != other.URL+" https://api.elsewhere.example:8443" {
		t.Errorf("logged link hosts %q, want both foreign hosts (and no credentials)", got)
	}
}

func TestList_pageLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		// Every page links to a new one.
		next := "/v1/agents?page=" + r.URL.Query().Get("page") + "0"
		reply(http.StatusOK, `[]`, "Link", "<"+next+`>; rel="next"`)(w, r)
	})
	c, _ := newTestClient(t, ts)
	_, err := c.Agents.List(t.Context())
	if err == nil || !strings.Contains(err.Error(), "longer than 1000 pages") {
		t.Fatalf("error = %v, want the page limit", err)
	}
	if n := len(ts.Requests()); n != maxPages {
		t.Errorf("server saw %d requests, want %d", n, maxPages)
	}
}

func TestList_notAList(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusOK, `{"_id":"a"}`))
	c, _ := newTestClient(t, ts)
	_, err := c.Agents.List(t.Context())
	if err == nil || !strings.Contains(err.Error(), "integrator.io API: GET /agents?limit=1000: the server answered 200 with something other than a JSON agent list") {
		t.Fatalf("error = %v", err)
	}
}

func TestAgents(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t,
		reply(http.StatusOK, `{"_id":"5f96e6a30a45077b3a08f3c9","name":"dc1","version":"3.0.5","port":"22","offline":false,"lastHeartbeatAt":"2024-01-02T03:04:05Z"}`),
		reply(http.StatusOK, `[{"_id":"1","name":"a","offline":true},{"_id":"2","name":"b","port":2222}]`),
	)
	c, _ := newTestClient(t, ts)

	agent, err := c.Agents.Get(t.Context(), "5f96e6a30a45077b3a08f3c9")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if agent.Name != "dc1" || agent.Port != 22 || agent.Offline || agent.LastHeartbeatAt == nil {
		t.Errorf("agent = %+v", agent)
	}
	agents, err := c.Agents.List(t.Context())
	if err != nil || len(agents) != 2 || !agents[0].Offline || agents[1].Port != 2222 {
		t.Fatalf("List = %+v, %v", agents, err)
	}

	reqs := ts.Requests()
	if len(reqs) != 2 || reqs[0].Method != http.MethodGet || reqs[0].Path != "/v1/agents/5f96e6a30a45077b3a08f3c9" ||
		reqs[1].Method != http.MethodGet || reqs[1].Path != "/v1/agents" {
		t.Fatalf("requests = %+v", reqs)
	}
	for _, r := range reqs {
		checkHeaders(t, r)
	}
}

// TestAgents_readings: agent documents that carry "online" instead of "offline", both, or
// neither, and ports stored as padded strings.
func TestAgents_readings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc         string
		wantOffline bool
		wantPort    Port
	}{
		{`{"_id":"1","name":"a","offline":true}`, true, 0},
		{`{"_id":"1","name":"a","offline":false}`, false, 0},
		{`{"_id":"1","name":"a","online":true}`, false, 0},
		{`{"_id":"1","name":"a","online":false}`, true, 0},
		{`{"_id":"1","name":"a","online":true,"offline":true}`, true, 0},    // offline wins
		{`{"_id":"1","name":"a","offline":false,"online":false}`, false, 0}, // offline wins
		{`{"_id":"1","name":"a"}`, false, 0},
		{`{"_id":"1","name":"a","online":null}`, false, 0},
		{`{"_id":"1","name":"a","port":" 5432 "}`, false, 5432},
		{`{"_id":"1","name":"a","port":"\t22\n"}`, false, 22},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, reply(http.StatusOK, tt.doc), reply(http.StatusOK, "["+tt.doc+"]"))
			c, _ := newTestClient(t, ts)
			agent, err := c.Agents.Get(t.Context(), "1")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			agents, err := c.Agents.List(t.Context())
			if err != nil || len(agents) != 1 {
				t.Fatalf("List = %+v, %v", agents, err)
			}
			for _, a := range []Agent{*agent, agents[0]} {
				if a.ID != "1" || a.Name != "a" || a.Offline != tt.wantOffline || a.Port != tt.wantPort {
					t.Errorf("agent = %+v, want offline %v and port %d", a, tt.wantOffline, tt.wantPort)
				}
			}
		})
	}
	// A flag of the wrong type is still an error naming the field, not a silent default.
	ts := newTestServer(t, reply(http.StatusOK, `{"_id":"1","online":"yes"}`))
	c, _ := newTestClient(t, ts)
	if _, err := c.Agents.Get(t.Context(), "1"); err == nil || !strings.Contains(err.Error(), "online") {
		t.Errorf("error = %v, want one naming the online field", err)
	}
}

func TestNextLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header []string
		want   string
	}{
		{nil, ""},
		{[]string{`<https://x/v1/c?skip=2>; rel="next"`}, "https://x/v1/c?skip=2"},
		{[]string{`<https://x/a,b>; rel="prev", <https://x/n>; rel="next"`}, "https://x/n"},
		{[]string{`<https://x/p>; rel="prev"`}, ""},
		{[]string{`<https://x/p>; title="rel=next, really"; rel=last`}, ""},
		{[]string{`<https://x/p>; REL="Next"`}, "https://x/p"},
		{[]string{`garbage`, `<broken; rel="next"`}, ""},
	}
	for _, tt := range tests {
		h := http.Header{}
		for _, v := range tt.header {
			h.Add("Link", v)
		}
		if got := nextLink(h); got != tt.want {
			t.Errorf("nextLink(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}
