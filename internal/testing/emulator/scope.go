package emulator

import (
	"encoding/json"
	"net/http"
)

// codeForbidden is the error code of a call the token's scope does not allow.
const codeForbidden = "forbidden"

// scopeOf is the "scope" GET /tokenInfo answers for token: "*" for a full-access token, or the
// JSON a test gave in Config.ScopedTokens.
func (s *Server) scopeOf(token string) any {
	if scope, ok := s.cfg.ScopedTokens[token]; ok {
		return json.RawMessage(scope)
	}
	return "*"
}

// scopeRefuses reports whether token may not call path: scoped tokens never reach agents,
// since custom scopes list connections, exports, imports and APIs, not agents.
func (s *Server) scopeRefuses(token, path string) bool {
	_, scoped := s.cfg.ScopedTokens[token]
	return scoped && hasPathPrefix(path, apiPrefix+"/agents")
}

func writeOutOfScope(w http.ResponseWriter, path string) {
	writeError(w, http.StatusForbidden, codeForbidden,
		"this API token's scope does not allow "+quoteValue(path)+": agents are not part of custom scopes")
}
