package emulator

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// A snapshot written as JSON and restored into a new server answers every read as before, with
// the same secrets, agents and agent tokens, and new documents get fresh ids.
func TestSnapshot_roundTrip(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	connID := idOf(t, h.create(validConnection()))
	agentID, err := h.srv.AddAgent(AgentSpec{Name: "dc1-agent", Online: true})
	if err != nil {
		t.Fatal(err)
	}
	before := h.do(http.MethodGet, "/v1/connections/"+connID, nil)
	token := h.do(http.MethodGet, "/v1/agents/"+agentID+"/display-token", nil)

	data, err := json.Marshal(h.srv.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	snap, err := DecodeSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	restored := newHarness(t, Config{})
	if err := restored.srv.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if after := restored.do(http.MethodGet, "/v1/connections/"+connID, nil); !reflect.DeepEqual(after.body, before.body) {
		t.Errorf("restored connection:\n%s\nwant\n%s", after.body, before.body)
	}
	if !reflect.DeepEqual(restored.srv.Connections(), h.srv.Connections()) {
		t.Error("the stored documents (secrets included) differ after a restore")
	}
	if got := restored.do(http.MethodGet, "/v1/agents/"+agentID+"/display-token", nil); string(got.body) != string(token.body) {
		t.Errorf("agent token after restore %s, want %s", got.body, token.body)
	}
	if id := idOf(t, restored.create(validConnection())); id == connID {
		t.Error("a new connection got a restored one's id")
	}
	if n := len(restored.srv.Connections()); n != 2 {
		t.Errorf("%d connections after one more create, want 2", n)
	}

	for name, bad := range map[string]Snapshot{
		"no id":     {Connections: []map[string]any{{"name": "x"}}},
		"duplicate": {Agents: []map[string]any{{"_id": agentID}, {"_id": agentID}}},
	} {
		err := restored.srv.Restore(bad)
		if err == nil || !strings.Contains(err.Error(), map[string]string{"no id": "no valid _id", "duplicate": "appears twice"}[name]) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(restored.srv.Connections()); n != 2 {
		t.Errorf("a refused restore changed the documents: %d connections", n)
	}
}
