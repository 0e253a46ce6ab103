package faulttest

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// TestFaults_badAnswers answers the provider's read of a connection with documents that are
// not what it expects, and checks that each gives a clear error or a tolerant read, never a
// crash or a silent wrong state.
func TestFaults_badAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.writeConfig(connections("c", "bad-answer", 1, ""))
	h.run("apply", "-auto-approve", "-no-color")
	if n := h.assertConsistent("apply", false); n != 1 {
		t.Fatalf("apply: %d connections, want 1", n)
	}
	stored := h.emu.Connections()[0]
	id, _ := stored["_id"].(string)
	doc := func(edit func(d map[string]any)) string {
		var d map[string]any
		b, _ := json.Marshal(stored)
		_ = json.Unmarshal(b, &d)
		d["rdbms"].(map[string]any)["password"] = emulator.Mask //nolint:forcetypeassert // stored by this test
		edit(d)
		b, _ = json.Marshal(d)
		return string(b)
	}

	cases := []struct {
		name, body string
		want       *regexp.Regexp // nil: the plan must be empty
	}{
		{"rdbms missing", doc(func(d map[string]any) { delete(d, "rdbms") }),
			acctest.ErrorText("Not a PostgreSQL Connection", "has no database settings")},
		{"rdbms null", doc(func(d map[string]any) { d["rdbms"] = nil }),
			acctest.ErrorText("has no database settings")},
		{"another database type", doc(func(d map[string]any) { d["rdbms"].(map[string]any)["type"] = "mysql" }), //nolint:forcetypeassert // as above
			acctest.ErrorText(`is a "mysql" database connection`)},
		{"port as a string", doc(func(d map[string]any) { d["rdbms"].(map[string]any)["port"] = "5432" }), nil}, //nolint:forcetypeassert // as above
		{"unknown fields", doc(func(d map[string]any) {
			d["sandbox"] = false
			d["rdbms"].(map[string]any)["newThing"] = map[string]any{"x": 1} //nolint:forcetypeassert // as above
		}), nil},
		{"html", "<html><head><title>Welcome to nginx</title></head><body>hi</body></html>",
			acctest.ErrorText("something other than a JSON connection", "Welcome to nginx")},
		// A blank body: an empty one would get the emulator's default error page.
		{"empty", " ", acctest.ErrorText("empty body where a connection was expected")},
		{"null", "null", acctest.ErrorText("something other than a JSON connection")},
		{"no id", `{"type":"rdbms","name":"x"}`, acctest.ErrorText("has no _id")},
		{"array", `[]`, acctest.ErrorText("something other than a JSON connection")},
	}
	for _, c := range cases {
		h.setFaults(emulator.FaultConfig{Rules: []emulator.FaultRule{
			{Method: "GET", Path: "/v1/connections/" + id, Kind: emulator.FaultStatus, Status: 200, Body: c.body},
		}})
		r := h.try("plan", "-no-color", "-detailed-exitcode")
		out := r.Output()
		if strings.Contains(out, "panic") || strings.Contains(out, "crash") {
			t.Errorf("%s: the provider crashed:\n%s", c.name, out)
			continue
		}
		switch {
		case c.want == nil && r.Err != nil:
			t.Errorf("%s: want an empty plan, got:\n%s", c.name, out)
		case c.want != nil && r.Err == nil:
			t.Errorf("%s: want an error, the plan succeeded:\n%s", c.name, out)
		case c.want != nil && !c.want.MatchString(out):
			t.Errorf("%s: the error does not match %s:\n%s", c.name, c.want, out)
		}
	}
	_, total := h.faultReport()
	if n := h.assertConsistent("after bad answers", false); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
	if total < len(cases) {
		t.Errorf("%d bad answers sent for %d cases", total, len(cases))
	}
}
