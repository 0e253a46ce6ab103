package emulator

import (
	"errors"
	"maps"
	"net/http"
	"sync"
)

// ErrNotFound is returned by the Go controls when no document has the given id.
var ErrNotFound = errors.New("emulator: no document has this id")

// AgentSpec describes an agent created directly by a test, as POST /_emulator/agents takes it.
type AgentSpec struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Version     string `json:"version,omitempty"`
	Port        string `json:"port,omitempty"`
	// Online makes the agent connected now (offline false, lastHeartbeatAt now).
	Online bool `json:"online,omitempty"`
}

func (a AgentSpec) document() map[string]any {
	doc := map[string]any{"name": a.Name}
	for k, v := range map[string]string{"description": a.Description, "version": a.Version, "port": a.Port} {
		if v != "" {
			doc[k] = v
		}
	}
	return doc
}

// AddAgent creates an agent as if it had been installed, and returns its id.
func (s *Server) AddAgent(spec AgentSpec) (string, error) {
	doc, errs := s.addAgent(spec)
	if len(errs) > 0 {
		return "", errors.New(errs[0].Message)
	}
	id, _ := doc["_id"].(string) // set by insertAgent
	return id, nil
}

func (s *Server) addAgent(spec AgentSpec) (map[string]any, errorList) {
	doc := spec.document()
	if errs := validateAgent(doc); len(errs) > 0 {
		return nil, errs
	}
	return s.insertAgent(doc, spec.Online), nil
}

// SetAgentOnline connects (online: offline false, lastHeartbeatAt now) or disconnects
// (offline true, the last heartbeat kept) the agent id. It returns ErrNotFound for an unknown id.
func (s *Server) SetAgentOnline(id string, online bool) error {
	_, err := s.setAgentOnline(id, online)
	return err
}

func (s *Server) setAgentOnline(id string, online bool) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.agent(id)
	if !ok {
		return nil, ErrNotFound
	}
	e.doc["offline"] = !online
	if online {
		e.doc["lastHeartbeatAt"] = formatTime(s.cfg.Now())
	}
	return copyDoc(e.doc), nil
}

// Connections returns copies of the stored connections in creation order, secrets unmasked,
// so tests can check exactly what a client sent.
func (s *Server) Connections() []map[string]any {
	return s.all(&s.conns)
}

// Agents returns copies of the stored agents in creation order.
func (s *Server) Agents() []map[string]any {
	return s.all(&s.agents)
}

func (s *Server) all(c *collection) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := c.page(0, c.len(), copyDoc)
	if out == nil {
		out = []map[string]any{}
	}
	return out
}

// SetFaults replaces the injected faults; SetFaults(FaultConfig{}) removes them all. It
// resets the trigger counts and reseeds the random source.
func (s *Server) SetFaults(cfg FaultConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	s.faults.set(cfg)
	return nil
}

// Faults returns the injected faults and, for each rule, how many times it has triggered.
func (s *Server) Faults() (cfg FaultConfig, fired []int) {
	return s.faults.get()
}

// Stats returns how many /v1 requests arrived, keyed by method and route pattern with ids as
// {id}, e.g. "GET /v1/connections/{id}". Requests to unknown paths are keyed by their path.
func (s *Server) Stats() map[string]int {
	return s.stats.snapshot()
}

// ServerSetFieldsSent counts, per field name, the connection writes whose body carried a field
// only the server sets (see Config.RefuseServerSetFields). A client that never echoes them
// leaves it empty.
func (s *Server) ServerSetFieldsSent() map[string]int { return s.serverSetSent.snapshot() }

// ResetStats sets all request counts (and ServerSetFieldsSent) back to zero.
func (s *Server) ResetStats() {
	s.stats.reset()
	s.serverSetSent.reset()
}

// Reset forgets all documents, faults, statistics and rate-limit buckets. The configuration
// (tokens, region, pinger...) is kept.
func (s *Server) Reset() {
	s.mu.Lock()
	s.conns = newCollection()
	s.agents = newCollection()
	s.agentTokens = map[string]string{}
	s.mu.Unlock()
	s.faults.set(FaultConfig{})
	s.ResetStats()
	s.limiter.reset()
}

// statsCounter counts requests by route.
type statsCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *statsCounter) count(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[key]++
}

func (c *statsCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.counts)
}

func (c *statsCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = map[string]int{}
}

// faultsReport is the answer of GET /_emulator/faults: the configuration as PUT takes it, and
// fired[i], how many times rules[i] has triggered.
type faultsReport struct {
	Seed    int64       `json:"seed"`
	Latency string      `json:"latency,omitempty"`
	Rules   []FaultRule `json:"rules"`
	Fired   []int       `json:"fired"`
}

func newFaultsReport(cfg FaultConfig, fired []int) faultsReport {
	r := faultsReport{Seed: cfg.Seed, Latency: formatDuration(cfg.Latency), Rules: cfg.Rules, Fired: fired}
	if r.Rules == nil { // an array, never null, for clients that index into it
		r.Rules, r.Fired = []FaultRule{}, []int{}
	}
	return r
}

func (s *Server) registerControl() {
	c := &s.control
	c.add(http.MethodGet, "/_emulator/agents", func(w http.ResponseWriter, _ *http.Request, _ string) {
		writeJSON(w, http.StatusOK, s.Agents())
	})
	c.add(http.MethodPost, "/_emulator/agents", s.controlAddAgent)
	c.add(http.MethodPost, "/_emulator/agents/{id}/online", func(w http.ResponseWriter, _ *http.Request, id string) {
		s.controlSetAgentOnline(w, id, true)
	})
	c.add(http.MethodPost, "/_emulator/agents/{id}/offline", func(w http.ResponseWriter, _ *http.Request, id string) {
		s.controlSetAgentOnline(w, id, false)
	})
	c.add(http.MethodGet, "/_emulator/connections", func(w http.ResponseWriter, _ *http.Request, _ string) {
		writeJSON(w, http.StatusOK, s.Connections())
	})
	c.add(http.MethodGet, "/_emulator/faults", func(w http.ResponseWriter, _ *http.Request, _ string) {
		writeJSON(w, http.StatusOK, newFaultsReport(s.Faults()))
	})
	c.add(http.MethodPut, "/_emulator/faults", s.controlSetFaults)
	c.add(http.MethodDelete, "/_emulator/faults", func(w http.ResponseWriter, _ *http.Request, _ string) {
		s.faults.set(FaultConfig{})
		writeNoContent(w)
	})
	c.add(http.MethodGet, "/_emulator/stats", func(w http.ResponseWriter, _ *http.Request, _ string) {
		writeJSON(w, http.StatusOK, map[string]any{"requests": s.Stats(), "serverSetFieldsSent": s.ServerSetFieldsSent()})
	})
	c.add(http.MethodDelete, "/_emulator/stats", func(w http.ResponseWriter, _ *http.Request, _ string) {
		s.ResetStats()
		writeNoContent(w)
	})
	c.add(http.MethodPost, "/_emulator/reset", func(w http.ResponseWriter, _ *http.Request, _ string) {
		s.Reset()
		writeNoContent(w)
	})
}

func (s *Server) controlAddAgent(w http.ResponseWriter, r *http.Request, _ string) {
	var spec AgentSpec
	if !readControl(w, r, &spec) {
		return
	}
	doc, errs := s.addAgent(spec)
	if len(errs) > 0 {
		writeErrors(w, http.StatusUnprocessableEntity, errs...)
		return
	}
	writeJSON(w, http.StatusCreated, doc)
}

func (s *Server) controlSetAgentOnline(w http.ResponseWriter, id string, online bool) {
	doc, err := s.setAgentOnline(id, online)
	if err != nil {
		writeAgentNotFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) controlSetFaults(w http.ResponseWriter, r *http.Request, _ string) {
	var cfg FaultConfig
	if !readControl(w, r, &cfg) {
		return
	}
	if err := s.SetFaults(cfg); err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidValue, err.Error())
		return
	}
	writeNoContent(w)
}
