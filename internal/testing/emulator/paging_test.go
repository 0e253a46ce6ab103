package emulator

import (
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"testing"
)

var nextLink = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// followPages lists path page by page through Link rel="next", as a client must.
func followPages(t *testing.T, h *harness, path string) (ids []string, pages int) {
	t.Helper()
	for path != "" {
		res := h.do(http.MethodGet, path, nil)
		res.wantStatus(t, http.StatusOK)
		for _, doc := range res.array(t) {
			ids = append(ids, idOf(t, doc))
		}
		pages++
		path = ""
		if link := res.header.Get("Link"); link != "" {
			m := nextLink.FindStringSubmatch(link)
			if m == nil {
				t.Fatalf("Link %q is not <url>; rel=\"next\"", link)
			}
			u, err := url.Parse(m[1])
			if err != nil || !u.IsAbs() {
				t.Fatalf("Link URL %q is not absolute: %v", m[1], err)
			}
			path = u.RequestURI()
		}
	}
	return ids, pages
}

func TestPaging(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{PageSize: 2})
	var want []string
	for range 5 {
		want = append(want, idOf(t, h.create(validConnection())))
	}

	ids, pages := followPages(t, h, "/v1/connections")
	if !reflect.DeepEqual(ids, want) || pages != 3 {
		t.Errorf("got %v in %d pages, want %v in 3", ids, pages, want)
	}

	res := h.do(http.MethodGet, "/v1/connections", nil)
	if want := `<http://example.com/v1/connections?limit=2&skip=2>; rel="next"`; res.header.Get("Link") != want {
		t.Errorf("Link = %q, want %q", res.header.Get("Link"), want)
	}

	// A client limit beats the page size.
	if ids, pages := followPages(t, h, "/v1/connections?limit=4"); len(ids) != 5 || pages != 2 {
		t.Errorf("limit=4: %d ids in %d pages, want 5 in 2", len(ids), pages)
	}
	// Above the maximum it is capped, not refused.
	if ids, pages := followPages(t, h, "/v1/connections?limit=5000"); len(ids) != 5 || pages != 1 {
		t.Errorf("limit=5000: %d ids in %d pages, want 5 in 1", len(ids), pages)
	}
	// The last page has no Link.
	if res := h.do(http.MethodGet, "/v1/connections?skip=4", nil); res.header.Get("Link") != "" || len(res.array(t)) != 1 {
		t.Errorf("last page: Link %q, body %s", res.header.Get("Link"), res.body)
	}
	// Past the end there is nothing: 204.
	if res := h.do(http.MethodGet, "/v1/connections?skip=5", nil); res.status != http.StatusNoContent {
		t.Errorf("skip past the end: status %d, want 204", res.status)
	}
}

func TestPaging_limitCapUsesMaxPageSize(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	s := h.srv
	if _, limit, bad := s.pageParams(url.Values{"limit": {"5000"}}); bad != nil || limit != MaxPageSize {
		t.Errorf("limit=5000 read as %d (%v), want %d", limit, bad, MaxPageSize)
	}
	if _, limit, _ := s.pageParams(url.Values{}); limit != DefaultPageSize {
		t.Errorf("default limit %d, want %d", limit, DefaultPageSize)
	}
}

func TestList_emptyIs204(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	for _, path := range []string{"/v1/connections", "/v1/agents"} {
		res := h.do(http.MethodGet, path, nil)
		res.wantStatus(t, http.StatusNoContent)
		if len(res.body) != 0 || res.header.Get("Link") != "" {
			t.Errorf("%s: 204 with body %q and Link %q", path, res.body, res.header.Get("Link"))
		}
	}
}

func TestPaging_agents(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{PageSize: 1})
	var want []string
	for _, name := range []string{"a", "b", "c"} {
		id, err := h.srv.AddAgent(AgentSpec{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	if ids, pages := followPages(t, h, "/v1/agents"); !reflect.DeepEqual(ids, want) || pages != 3 {
		t.Errorf("got %v in %d pages, want %v in 3", ids, pages, want)
	}
}

// CursorPaging links carry after=<last id> (and the limit asked for, if any), as the UI's own
// tests show; following them lists every document once. MaxLimit refuses a larger limit with
// 400 invalid_query_params, as the developer portal names the code.
func TestPaging_cursorAndMaxLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{PageSize: 2, CursorPaging: true, MaxLimit: 3})
	var want []string
	for range 5 {
		want = append(want, idOf(t, h.create(validConnection())))
	}
	ids, pages := followPages(t, h, "/v1/connections")
	if !reflect.DeepEqual(ids, want) || pages != 3 {
		t.Errorf("got %v in %d pages, want %v in 3", ids, pages, want)
	}
	res := h.do(http.MethodGet, "/v1/connections", nil)
	if want := `<http://example.com/v1/connections?after=` + want[1] + `>; rel="next"`; res.header.Get("Link") != want {
		t.Errorf("Link = %q, want %q", res.header.Get("Link"), want)
	}
	res = h.do(http.MethodGet, "/v1/connections?limit=3", nil)
	if want := `<http://example.com/v1/connections?after=` + want[2] + `&limit=3>; rel="next"`; res.header.Get("Link") != want {
		t.Errorf("Link = %q, want %q", res.header.Get("Link"), want)
	}
	e := h.do(http.MethodGet, "/v1/connections?limit=1000", nil).wantError(t, http.StatusBadRequest, "invalid_query_params", "limit")
	if e.Message != `limit must be a whole number from 1 to 3, not "1000"` {
		t.Errorf("message %q", e.Message)
	}
	h.do(http.MethodGet, "/v1/connections?after=000000000000000000000000", nil).wantError(t, http.StatusBadRequest, "invalid_query_params", "after")
}
