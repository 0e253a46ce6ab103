package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Snapshot is every document a Server holds, secrets unmasked, and each agent's access token: what
// integratorio-emulator -state writes at exit and reads at start, so a repository's local stack
// keeps its connections between restarts. Faults, statistics and rate-limit buckets are not kept.
type Snapshot struct {
	Connections []map[string]any  `json:"connections"`
	Agents      []map[string]any  `json:"agents"`
	AgentTokens map[string]string `json:"agentTokens"`
}

// Snapshot copies what the server holds.
func (s *Server) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := Snapshot{AgentTokens: map[string]string{}}
	snap.Connections = s.conns.page(0, s.conns.len(), copyDoc)
	snap.Agents = s.agents.page(0, s.agents.len(), copyDoc)
	for id, token := range s.agentTokens {
		snap.AgentTokens[id] = token
	}
	return snap
}

// Restore replaces every document with those of snap, in their order. A document without a valid,
// unique _id is refused, and nothing is replaced.
func (s *Server) Restore(snap Snapshot) error {
	conns, agents := newCollection(), newCollection()
	for what, pair := range map[string]struct {
		docs []map[string]any
		into *collection
	}{"connection": {snap.Connections, &conns}, "agent": {snap.Agents, &agents}} {
		for i, doc := range pair.docs {
			id, _ := doc["_id"].(string)
			if !isID(id) {
				return fmt.Errorf("%s %d has no valid _id", what, i)
			}
			if _, dup := pair.into.get(id); dup {
				return fmt.Errorf("%s %s appears twice", what, id)
			}
			pair.into.insert(id, copyDoc(doc))
		}
	}
	tokens := map[string]string{}
	for id, token := range snap.AgentTokens {
		if _, ok := agents.get(id); ok {
			tokens[id] = token
		}
	}
	for _, id := range agents.order {
		if tokens[id] == "" {
			tokens[id] = randomToken()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns, s.agents, s.agentTokens = conns, agents, tokens
	return nil
}

// DecodeSnapshot reads a Snapshot written with encoding/json, keeping numbers as the API's
// decoder does (json.Number), so a restored document answers exactly as before.
func DecodeSnapshot(data []byte) (Snapshot, error) {
	var snap Snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&snap); err != nil {
		return snap, err
	}
	return snap, nil
}
