package emulator

import (
	"net/http"
	"slices"
	"strings"
)

// handler serves one route; id is the value of the {id} segment, if the route has one.
type handler func(w http.ResponseWriter, r *http.Request, id string)

type route struct {
	method  string
	pattern string
	segs    []string
	literal int // number of literal segments: the more, the more specific
	h       handler
}

// router matches paths segment by segment with ServeMux's rules (the most specific pattern
// wins; a path known under other methods is a 405) but answers with the API's error envelope,
// and reports the matched pattern for request statistics.
type router struct {
	routes []route
}

func (rt *router) add(method, pattern string, h handler) {
	segs := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	literal := 0
	for _, s := range segs {
		if s != "{id}" {
			literal++
		}
	}
	rt.routes = append(rt.routes, route{method: method, pattern: pattern, segs: segs, literal: literal, h: h})
}

// routeMatch is the outcome of matching one request.
type routeMatch struct {
	route   *route   // nil when nothing serves this method and path
	id      string   // the {id} segment
	pattern string   // the matched pattern, or the raw path when none matched
	allowed []string // methods the path accepts, when route is nil because of the method
}

func (rt *router) match(method, path string) routeMatch {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	m := routeMatch{pattern: path}
	var best, bestAny *route
	for i := range rt.routes {
		r := &rt.routes[i]
		id, ok := r.matchPath(segs)
		if !ok {
			continue
		}
		if bestAny == nil || r.literal > bestAny.literal {
			bestAny = r
		}
		if !slices.Contains(m.allowed, r.method) {
			m.allowed = append(m.allowed, r.method)
		}
		if r.method == method && (best == nil || r.literal > best.literal) {
			best, m.id = r, id
		}
	}
	switch {
	case best != nil:
		m.route, m.pattern, m.allowed = best, best.pattern, nil
	case bestAny != nil:
		m.pattern = bestAny.pattern
	}
	return m
}

func (r *route) matchPath(segs []string) (id string, ok bool) {
	if len(segs) != len(r.segs) {
		return "", false
	}
	for i, want := range r.segs {
		switch {
		case want == "{id}" && segs[i] != "":
			id = segs[i]
		case want != segs[i]:
			return "", false
		}
	}
	return id, true
}

// serve runs the matched handler, or answers 405 or 404 in the API's error envelope.
func (m routeMatch) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case m.route != nil:
		m.route.h(w, r, m.id)
	case len(m.allowed) > 0:
		slices.Sort(m.allowed)
		w.Header().Set("Allow", strings.Join(m.allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, codeMethodNotAllowed,
			r.Method+" is not allowed on "+r.URL.Path)
	default:
		writeError(w, http.StatusNotFound, codeNotFound, "no such endpoint: "+r.URL.Path)
	}
}
