package emulator

import (
	"slices"
	"strings"
)

// Control is one /_emulator endpoint as its users see it: for the command's -h and the docs.
type Control struct {
	Method, Path, What string
}

// controlDocs says what each /_emulator endpoint does. TestControls_documented holds it to the
// endpoints registerControl registers, so a new control is documented or the test fails.
var controlDocs = map[string]string{
	"GET /_emulator/agents":               "every agent, as stored",
	"POST /_emulator/agents":              `add an agent as if installed: {"name": "dc2-agent", "online": true}`,
	"POST /_emulator/agents/{id}/online":  "connect the agent (offline false, a fresh lastHeartbeatAt)",
	"POST /_emulator/agents/{id}/offline": "disconnect the agent (offline true, the last heartbeat kept)",
	"GET /_emulator/connections":          "every connection as stored, secrets UNMASKED (what a client really sent)",
	"GET /_emulator/faults":               "the injected faults and how often each rule fired",
	"PUT /_emulator/faults": `inject faults into /v1: {"seed": 1, "latency": "50ms", "rules": [{"method": "POST", ` +
		`"path": "/v1/connections", "kind": "status|rate_limit|drop_before|drop_after|slow|slow_after|truncate", ` +
		`"status": 503, "retryAfter": 1, "delay": "3s", "probability": 0.5, "count": 2}]}`,
	"DELETE /_emulator/faults": "remove every fault",
	"GET /_emulator/stats":     "request counts by method and route, such as \"GET /v1/connections/{id}\"",
	"DELETE /_emulator/stats":  "set the request counts back to zero",
	"POST /_emulator/reset":    "forget every connection, agent, fault and count (the configuration stays)",
}

// Controls lists the /_emulator endpoints in the order they are registered.
func Controls() []Control {
	var s Server
	s.registerControl()
	out := make([]Control, 0, len(s.control.routes))
	for _, r := range s.control.routes {
		out = append(out, Control{Method: r.method, Path: r.pattern, What: controlDocs[r.method+" "+r.pattern]})
	}
	return out
}

// ControlsHelp is the list of controls as the command's -h prints it.
func ControlsHelp() string {
	var b strings.Builder
	width := 0
	controls := Controls()
	for _, c := range controls {
		width = max(width, len(c.Method)+1+len(c.Path))
	}
	for _, c := range controls {
		name := c.Method + " " + c.Path
		b.WriteString("  " + name + strings.Repeat(" ", width-len(name)) + "  " + c.What + "\n")
	}
	return b.String()
}

// documentedControls is the keys of controlDocs, sorted, for the test.
func documentedControls() []string {
	keys := make([]string, 0, len(controlDocs))
	for k := range controlDocs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
