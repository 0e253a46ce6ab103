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
	other := newTestServer(t, reply(http.StatusOK, "[]"))
	tests := []struct {
		name    string
		link    func(base string) string
		wantErr string
	}{
		{name: "loop", link: func(string) string { return `</v1/connections>; rel="next"` }, wantErr: "points back to a page already read"},
		{
			name:    "other host",
			link:    func(string) string { return `<` + other.URL + `/v1/connections?skip=1>; rel="next"` },
			wantErr: "not to the API at http://127.0.0.1",
		},
		{
			name: "other scheme",
			link: func(base string) string {
				return `<` + strings.Replace(base, "http:", "https:", 1) + `/v1/connections?skip=1>; rel="next"`
			},
			wantErr: "it was not followed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var base string
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				reply(http.StatusOK, `[{"_id":"a"}]`, "Link", tt.link(base))(w, r)
			})
			base = ts.URL
			c, _ := newTestClient(t, ts)
			_, err := c.Connections.List(t.Context())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			assertNoToken(t, err)
		})
	}
	if n := len(other.Requests()); n != 0 {
		t.Errorf("the client sent %d requests to another host", n)
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
