package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// listDocuments answers a list call: one page of documents passed through view, a Link header
// rel="next" with an absolute URL when more follow (skip/limit, or a cursor with
// Config.CursorPaging), and 204 with an empty body when the page is empty.
func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request, c *collection, view func(map[string]any) map[string]any) {
	q := r.URL.Query()
	skip, limit, bad := s.pageParams(q)
	if bad != nil {
		writeErrors(w, http.StatusBadRequest, *bad)
		return
	}
	s.mu.Lock()
	if q.Has("after") {
		i, ok := c.index(q.Get("after"))
		if !ok {
			s.mu.Unlock()
			writeErrors(w, http.StatusBadRequest, apiError{Code: codeInvalidQuery, Field: "after",
				Message: "after must be the id of a listed document, not " + quoteValue(q.Get("after"))})
			return
		}
		skip += i + 1
	}
	docs := c.page(skip, limit, view)
	total := c.len()
	last := ""
	if len(docs) > 0 {
		last = c.order[skip+len(docs)-1]
	}
	s.mu.Unlock()

	if len(docs) == 0 {
		writeNoContent(w)
		return
	}
	if next := skip + len(docs); next < total {
		page := url.Values{"skip": {strconv.Itoa(next)}, "limit": {strconv.Itoa(limit)}}
		if s.cfg.CursorPaging {
			page = url.Values{"after": {last}}
			if q.Has("limit") {
				page.Set("limit", strconv.Itoa(limit))
			}
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, s.pageURL(r, page)))
	}
	writeJSON(w, http.StatusOK, docs)
}

// pageParams reads skip (default 0) and limit (default the page size, at most MaxPageSize).
func (s *Server) pageParams(q url.Values) (skip, limit int, bad *apiError) {
	skip, limit = 0, s.cfg.PageSize
	if v := q.Get("skip"); q.Has("skip") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, &apiError{Code: codeInvalidQuery, Field: "skip",
				Message: "skip must be a whole number of at least 0, not " + quoteValue(v)}
		}
		skip = n
	}
	if v := q.Get("limit"); q.Has("limit") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, &apiError{Code: codeInvalidQuery, Field: "limit",
				Message: fmt.Sprintf("limit must be a whole number from 1 to %d, not %s", MaxPageSize, quoteValue(v))}
		}
		if s.cfg.MaxLimit > 0 && n > s.cfg.MaxLimit {
			return 0, 0, &apiError{Code: codeInvalidQuery, Field: "limit",
				Message: fmt.Sprintf("limit must be a whole number from 1 to %d, not %s", s.cfg.MaxLimit, quoteValue(v))}
		}
		limit = min(n, MaxPageSize)
	}
	return skip, limit, nil
}

// pageURL is the absolute URL of a page, on Config.LinkHost when set.
func (s *Server) pageURL(r *http.Request, page url.Values) string {
	host := r.Host
	if s.cfg.LinkHost != "" {
		host = s.cfg.LinkHost
	}
	u := url.URL{Scheme: "http", Host: host, Path: r.URL.Path}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	u.RawQuery = page.Encode()
	return u.String()
}

// quoteValue quotes a client-supplied value for an error message, cut short so a garbage path or
// query cannot inflate the answer.
func quoteValue(s string) string {
	const maxLen = 64
	if len(s) > maxLen {
		s = s[:maxLen] + "..."
	}
	return strconv.Quote(s)
}
