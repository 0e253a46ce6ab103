package emulator

import (
	"net"
	"net/http"
	"strings"
)

// controlAllowed decides whether a /_emulator request may run, answering 403 itself when not.
// The controls hand out every stored document with its secrets unmasked and can wipe or fault
// the whole emulator, so:
//   - they answer only requests addressed to a loopback host (127.0.0.0/8, [::1], localhost),
//     which a web page cannot make a browser send to a name it controls (DNS rebinding);
//   - with Config.ControlsRequireToken (integratorio-emulator's default, and forced with
//     -allow-remote) they also require one of the API tokens, as a bearer token: any local
//     process can write a loopback Host header, and a client on another machine any Host.
func (s *Server) controlAllowed(w http.ResponseWriter, r *http.Request) bool {
	if !loopbackHost(r.Host) {
		writeError(w, http.StatusForbidden, codeForbidden,
			"the emulator's /_emulator controls answer only requests addressed to 127.0.0.1, [::1] or localhost")
		return false
	}
	if !s.cfg.ControlsRequireToken {
		return true
	}
	token, ok := bearerToken(r)
	if !ok || !containsToken(s.tokens, token) {
		writeUnauthorized(w, "the emulator's /_emulator controls need one of its API tokens: send the header Authorization: Bearer <token>")
		return false
	}
	return true
}

// loopbackHost reports whether a Host header (host or host:port) names this machine's loopback.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
