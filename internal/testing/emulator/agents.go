package emulator

import (
	"net/http"
)

func (s *Server) listAgents(w http.ResponseWriter, r *http.Request, _ string) {
	s.listDocuments(w, r, &s.agents, s.agentView)
}

// agentView is an agent document as the API answers it: a copy, carrying "online" instead of
// "offline" when Config.AgentOnlineField asks for that reading.
func (s *Server) agentView(doc map[string]any) map[string]any {
	out := copyDoc(doc)
	if s.cfg.AgentOnlineField {
		offline, _ := out["offline"].(bool)
		delete(out, "offline")
		out["online"] = !offline
	}
	return out
}

func (s *Server) getAgent(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	e, ok := s.agent(id)
	var doc map[string]any
	if ok {
		doc = s.agentView(e.doc)
	}
	s.mu.Unlock()
	if !ok {
		writeAgentNotFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// createAgent registers an agent. Like a freshly installed one, it is offline and has no
// heartbeat until it connects (see SetAgentOnline).
func (s *Server) createAgent(w http.ResponseWriter, r *http.Request, _ string) {
	doc, ok := readDocument(w, r)
	if !ok {
		return
	}
	dropFields(doc, serverAgentFields)
	if errs := validateAgent(doc); len(errs) > 0 {
		writeErrors(w, http.StatusUnprocessableEntity, errs...)
		return
	}
	writeJSON(w, http.StatusCreated, s.agentView(s.insertAgent(doc, false)))
}

// insertAgent stores a validated agent document and returns a copy of it.
func (s *Server) insertAgent(doc map[string]any, online bool) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	id := s.ids.next(now, s.idTaken)
	doc["_id"] = id
	doc["createdAt"] = formatTime(now)
	doc["lastModified"] = formatTime(now)
	doc["offline"] = !online
	if online {
		doc["lastHeartbeatAt"] = formatTime(now)
	}
	s.agents.insert(id, doc)
	s.agentTokens[id] = randomToken()
	return copyDoc(doc)
}

// replaceAgent is a full replace of the fields a client owns; the connection state (offline,
// lastHeartbeatAt) belongs to the agent program and is kept.
func (s *Server) replaceAgent(w http.ResponseWriter, r *http.Request, id string) {
	doc, ok := readDocument(w, r)
	if !ok {
		return
	}
	dropFields(doc, serverAgentFields)

	s.mu.Lock()
	e, ok := s.agent(id)
	if !ok {
		s.mu.Unlock()
		writeAgentNotFound(w, id)
		return
	}
	if errs := validateAgent(doc); len(errs) > 0 {
		s.mu.Unlock()
		writeErrors(w, http.StatusUnprocessableEntity, errs...)
		return
	}
	for _, f := range []string{"_id", "createdAt", "offline", "lastHeartbeatAt"} {
		if v, ok := e.doc[f]; ok {
			doc[f] = v
		}
	}
	doc["lastModified"] = formatTime(s.cfg.Now())
	s.agents.replace(e, doc)
	out := s.agentView(doc)
	s.mu.Unlock()

	writeJSON(w, http.StatusOK, out)
}

func (s *Server) deleteAgent(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	ok := isID(id) && s.agents.remove(id)
	if ok {
		delete(s.agentTokens, id)
	}
	s.mu.Unlock()
	if !ok {
		writeAgentNotFound(w, id)
		return
	}
	writeNoContent(w)
}

func (s *Server) displayAgentToken(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	_, ok := s.agent(id)
	token := s.agentTokens[id]
	s.mu.Unlock()
	if !ok {
		writeAgentNotFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"accessToken": token})
}

// changeAgentToken issues a new access token; the old one stops working for the agent.
func (s *Server) changeAgentToken(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	_, ok := s.agent(id)
	token := randomToken()
	if ok {
		s.agentTokens[id] = token
	}
	s.mu.Unlock()
	if !ok {
		writeAgentNotFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"accessToken": token})
}

// agent looks up an agent; malformed ids are simply unknown. The caller holds s.mu.
func (s *Server) agent(id string) (*entry, bool) {
	if !isID(id) {
		return nil, false
	}
	return s.agents.get(id)
}

func writeAgentNotFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, codeNotFound, "no agent has the id "+quoteValue(id))
}
