package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// maxPages bounds a listing. At the API's page size of 1000 this is a million documents: a
// server that keeps sending next links past it is broken.
const maxPages = 1000

// decodeObject decodes a JSON object body into v. An empty body, JSON null or a non-JSON body
// (an HTML page from a proxy) is an error, never a zero document.
func (c *Client) decodeObject(resp *response, v any, what string) error {
	b := bytes.TrimSpace(resp.body)
	switch {
	case len(b) == 0:
		return fmt.Errorf("the server answered %d with an empty body where a %s was expected", resp.status, what)
	case b[0] != '{':
		return c.notJSONError(resp, b, what)
	}
	if err := json.Unmarshal(b, v); err != nil {
		// The json error names the field and type at fault, not the value, so no secret leaks.
		return fmt.Errorf("cannot decode the %s the server sent: %s", what, c.clean(err.Error(), maxFieldRunes))
	}
	return nil
}

func (c *Client) notJSONError(resp *response, body []byte, what string) error {
	return fmt.Errorf("the server answered %d with something other than a JSON %s (%s): %s",
		resp.status, what, contentType(resp.header), c.excerpt(body))
}

func contentType(h http.Header) string {
	if ct := h.Get("Content-Type"); ct != "" {
		return "Content-Type " + ct
	}
	return "no Content-Type"
}

// decodeConnection decodes a connection document answered by GET, POST or PUT. A document
// without an _id cannot be one the server stored, so it is refused.
func (c *Client) decodeConnection(resp *response) (*Connection, error) {
	var conn Connection
	if err := c.decodeObject(resp, &conn, "connection"); err != nil {
		return nil, err
	}
	if conn.ID == "" {
		return nil, errors.New("the connection the server sent has no _id")
	}
	return &conn, nil
}

// decodeList decodes one page of a listing: a JSON array, or nothing at all (204 or an empty
// body both mean no documents).
func decodeList[T any](c *Client, resp *response, what string) ([]T, error) {
	b := bytes.TrimSpace(resp.body)
	if resp.status == http.StatusNoContent || len(b) == 0 || string(b) == "null" {
		return nil, nil
	}
	if b[0] != '[' {
		return nil, c.notJSONError(resp, b, what+" list")
	}
	var items []T
	if err := json.Unmarshal(b, &items); err != nil {
		return nil, fmt.Errorf("cannot decode the %s list the server sent: %s", what, c.clean(err.Error(), maxFieldRunes))
	}
	return items, nil
}

// listAll GETs path and every page its Link rel="next" headers lead to.
// maxPageSize is the largest page the API serves (integratorio-api.md: "page size up to 1000").
const maxPageSize = 1000

// limitRefused holds the base URLs whose service answered 400 to a listing that asked for
// limit=maxPageSize. The portal states the default page size both as 100 and as 1000 and no
// maximum, and the UI never sends a limit: once refused, this process lists without it.
var limitRefused sync.Map // base URL (string) → true

func listAll[T any](ctx context.Context, c *Client, path, what string) ([]T, error) {
	var all []T
	first := c.newCall(http.MethodGet, path, nil, safeToRepeat)
	base := c.baseURL.String()
	_, refused := limitRefused.Load(base)
	cl := first
	if !refused {
		// Ask for the largest page the API serves: a listing of many objects then costs a few
		// round trips instead of one per default-sized page. Later pages follow the server's links.
		u := *first.url
		u.RawQuery = url.Values{"limit": {strconv.Itoa(maxPageSize)}}.Encode()
		cl = c.newCallURL(http.MethodGet, &u, nil, safeToRepeat)
	}
	seen := map[string]bool{}
	for page := 1; ; page++ {
		seen[cl.url.String()] = true
		resp, err := c.do(ctx, cl)
		var apiErr *APIError
		if page == 1 && cl != first && errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest {
			// Without it the listing costs more pages, but far fewer requests than the one GET
			// per object a caller would fall back to.
			limitRefused.Store(base, true)
			c.logger.Warn(ctx, "integrator.io refused the listing's limit; listing with its default page size from now on",
				map[string]any{"limit": maxPageSize, "status": apiErr.StatusCode, "code": apiErr.Code})
			cl, page = first, 0
			continue
		}
		if err != nil {
			return nil, err
		}
		items, err := decodeList[T](c, resp, what)
		if err != nil {
			return nil, cl.decodeError(err)
		}
		all = append(all, items...)

		next := nextLink(resp.header)
		if next == "" {
			return all, nil
		}
		u, err := c.resolveNext(ctx, cl.url, next)
		if err != nil {
			return nil, cl.decodeError(err)
		}
		if seen[u.String()] {
			return nil, cl.decodeError(fmt.Errorf("the next-page link points back to a page already read (%s): the server's paging is broken", c.redact(u.String())))
		}
		if page >= maxPages {
			return nil, cl.decodeError(fmt.Errorf("the listing is longer than %d pages: the server's paging is broken", maxPages))
		}
		cl = c.newCallURL(http.MethodGet, u, nil, safeToRepeat)
	}
}

// resolveNext turns a next-page link into the next request. Only the link's path and query are
// used: they are sent to the configured base URL's scheme and host, as Celigo's CLI does, because
// the service may name another host of its own in its links (integratorio-api.md). The token
// therefore never goes to a host other than the configured one.
func (c *Client) resolveNext(ctx context.Context, current *url.URL, link string) (*url.URL, error) {
	ref, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("the next-page link %q is not a valid URL", c.clean(link, maxExcerptRunes))
	}
	target := current.ResolveReference(ref)
	u := &url.URL{
		Scheme:   c.baseURL.Scheme,
		Host:     c.baseURL.Host,
		Path:     target.Path,
		RawPath:  target.RawPath,
		RawQuery: target.RawQuery,
	}
	if !strings.EqualFold(target.Host, u.Host) || !strings.EqualFold(target.Scheme, u.Scheme) {
		c.logger.Debug(ctx, "integrator.io next-page link names another host: following its path on the configured one",
			map[string]any{"link_host": c.clean(target.Scheme+"://"+target.Host, maxExcerptRunes), "host": u.Scheme + "://" + u.Host})
	}
	return u, nil
}

// nextLink returns the target of the first rel="next" entry of the Link headers (RFC 8288).
func nextLink(h http.Header) string {
	for _, value := range h.Values("Link") {
		for _, entry := range splitLinkEntries(value) {
			entry = strings.TrimSpace(entry)
			if !strings.HasPrefix(entry, "<") {
				continue
			}
			end := strings.IndexByte(entry, '>')
			if end < 0 {
				continue
			}
			target, params := entry[1:end], entry[end+1:]
			for _, param := range strings.Split(params, ";") {
				name, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return strings.TrimSpace(target)
					}
				}
			}
		}
	}
	return ""
}

// splitLinkEntries splits a Link header on the commas between entries, not those inside a
// <URL> or a quoted parameter.
func splitLinkEntries(v string) []string {
	var entries []string
	inURL, inQuote, start := false, false, 0
	for i := 0; i < len(v); i++ {
		switch ch := v[i]; {
		case inQuote:
			switch ch {
			case '\\':
				i++ // skip the escaped character
			case '"':
				inQuote = false
			}
		case inURL:
			inURL = ch != '>'
		case ch == '<':
			inURL = true
		case ch == '"':
			inQuote = true
		case ch == ',':
			entries = append(entries, v[start:i])
			start = i + 1
		}
	}
	return append(entries, v[start:])
}
