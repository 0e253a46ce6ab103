package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestConnectionValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	existing := idOf(t, h.create(validConnection()))

	tests := []struct {
		name  string
		edit  func(doc map[string]any)
		field string
		code  string
	}{
		{"name missing", func(d map[string]any) { delete(d, "name") }, "name", codeMissingField},
		{"name blank", func(d map[string]any) { d["name"] = "  " }, "name", codeMissingField},
		{"name null", func(d map[string]any) { d["name"] = nil }, "name", codeMissingField},
		{"name not a string", func(d map[string]any) { d["name"] = 7 }, "name", codeInvalidValue},
		{"name too long", func(d map[string]any) { d["name"] = strings.Repeat("é", 101) }, "name", codeInvalidValue},
		{"type missing", func(d map[string]any) { delete(d, "type") }, "type", codeMissingField},
		{"type unknown", func(d map[string]any) { d["type"] = "carrier-pigeon" }, "type", codeInvalidValue},
		{"rdbms missing", func(d map[string]any) { delete(d, "rdbms") }, "rdbms", codeMissingField},
		{"rdbms not an object", func(d map[string]any) { d["rdbms"] = "postgresql" }, "rdbms", codeInvalidValue},
		{"rdbms.type missing", func(d map[string]any) { set(d, "rdbms.type", deleted) }, "rdbms.type", codeMissingField},
		{"rdbms.host missing", func(d map[string]any) { set(d, "rdbms.host", deleted) }, "rdbms.host", codeMissingField},
		{"rdbms.host empty", func(d map[string]any) { set(d, "rdbms.host", "") }, "rdbms.host", codeMissingField},
		{"rdbms.database missing", func(d map[string]any) { set(d, "rdbms.database", deleted) }, "rdbms.database", codeMissingField},
		{"rdbms.user missing", func(d map[string]any) { set(d, "rdbms.user", deleted) }, "rdbms.user", codeMissingField},
		{"password missing, no ssl", func(d map[string]any) {
			set(d, "rdbms.password", deleted)
			set(d, "rdbms.ssl", deleted)
		}, "rdbms.password", codeMissingField},
		{"password missing, ssl without key", func(d map[string]any) {
			set(d, "rdbms.password", deleted)
			set(d, "rdbms.ssl", map[string]any{"ca": "CA PEM"})
		}, "rdbms.password", codeMissingField},
		{"password missing, certificate and key without CA", func(d map[string]any) {
			set(d, "rdbms.password", deleted)
			set(d, "rdbms.ssl.ca", deleted)
		}, "rdbms.password", codeMissingField},
		{"password not a string", func(d map[string]any) { set(d, "rdbms.password", true) }, "rdbms.password", codeInvalidValue},
		{"ssl.cert without key", func(d map[string]any) { set(d, "rdbms.ssl.key", deleted) }, "rdbms.ssl.key", codeMissingField},
		{"ssl.key without cert", func(d map[string]any) { set(d, "rdbms.ssl.cert", "") }, "rdbms.ssl.cert", codeMissingField},
		{"ssl not an object", func(d map[string]any) { set(d, "rdbms.ssl", true) }, "rdbms.ssl", codeInvalidValue},
		{"ssl.ca not a string", func(d map[string]any) { set(d, "rdbms.ssl.ca", 1) }, "rdbms.ssl.ca", codeInvalidValue},
		{"port 0", func(d map[string]any) { set(d, "rdbms.port", 0) }, "rdbms.port", codeInvalidValue},
		{"port 65536", func(d map[string]any) { set(d, "rdbms.port", 65536) }, "rdbms.port", codeInvalidValue},
		{"port fractional", func(d map[string]any) { set(d, "rdbms.port", 5432.5) }, "rdbms.port", codeInvalidValue},
		{"port word", func(d map[string]any) { set(d, "rdbms.port", "postgres") }, "rdbms.port", codeInvalidValue},
		{"port string out of range", func(d map[string]any) { set(d, "rdbms.port", "70000") }, "rdbms.port", codeInvalidValue},
		{"port bool", func(d map[string]any) { set(d, "rdbms.port", true) }, "rdbms.port", codeInvalidValue},
		{"concurrency 0", func(d map[string]any) { set(d, "rdbms.concurrencyLevel", 0) }, "rdbms.concurrencyLevel", codeInvalidValue},
		{"concurrency 51", func(d map[string]any) { set(d, "rdbms.concurrencyLevel", 51) }, "rdbms.concurrencyLevel", codeInvalidValue},
		{"concurrency string", func(d map[string]any) { set(d, "rdbms.concurrencyLevel", "5") }, "rdbms.concurrencyLevel", codeInvalidValue},
		{"disableStrictSSL string", func(d map[string]any) { set(d, "rdbms.disableStrictSSL", "yes") }, "rdbms.disableStrictSSL", codeInvalidValue},
		{"options not an array", func(d map[string]any) { set(d, "rdbms.options", "a=b") }, "rdbms.options", codeInvalidValue},
		{"option without name", func(d map[string]any) {
			set(d, "rdbms.options", []any{map[string]any{"name": "ok", "value": "1"}, map[string]any{"value": "2"}})
		}, "rdbms.options[1].name", codeMissingField},
		{"option not an object", func(d map[string]any) { set(d, "rdbms.options", []any{"x"}) }, "rdbms.options[0]", codeInvalidValue},
		{"_agentId not a string", func(d map[string]any) { d["_agentId"] = 5 }, "_agentId", codeInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := h.in(t)
			doc := validConnection()
			tt.edit(doc)
			// Create, replace and the unsaved test validate alike.
			for _, target := range []struct{ method, path string }{
				{http.MethodPost, "/v1/connections"},
				{http.MethodPut, "/v1/connections/" + existing},
				{http.MethodPost, "/v1/connections/ping"},
			} {
				res := h.do(target.method, target.path, doc)
				e := res.wantError(t, http.StatusUnprocessableEntity, tt.code, tt.field)
				if !strings.HasPrefix(e.Message, tt.field+" ") {
					t.Errorf("%s %s: message %q does not name %s", target.method, target.path, e.Message, tt.field)
				}
			}
		})
	}
	t.Cleanup(func() {
		if n := len(h.srv.Connections()); n != 1 {
			t.Errorf("%d connections stored, want only the valid one", n)
		}
		if calls := h.pinger.calls(); len(calls) != 0 {
			t.Errorf("invalid documents were pinged %d times", len(calls))
		}
	})
}

func TestConnectionValidation_accepted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	tests := []struct {
		name string
		edit func(doc map[string]any)
	}{
		{"certificate login (CA, certificate and key) without password", func(d map[string]any) { set(d, "rdbms.password", deleted) }},
		{"no ssl", func(d map[string]any) { set(d, "rdbms.ssl", deleted) }},
		{"ssl with only a CA", func(d map[string]any) { set(d, "rdbms.ssl", map[string]any{"ca": "CA PEM"}) }},
		{"port absent", func(d map[string]any) { set(d, "rdbms.port", deleted) }},
		{"port as a string", func(d map[string]any) { set(d, "rdbms.port", "5433") }},
		{"port empty string", func(d map[string]any) { set(d, "rdbms.port", "") }},
		{"port bounds", func(d map[string]any) { set(d, "rdbms.port", 65535) }},
		{"concurrency bounds", func(d map[string]any) { set(d, "rdbms.concurrencyLevel", 1) }},
		{"another rdbms type", func(d map[string]any) { set(d, "rdbms.type", "mysql") }},
		{"name of 100 characters", func(d map[string]any) { d["name"] = strings.Repeat("é", 100) }},
		{"empty _agentId", func(d map[string]any) { d["_agentId"] = "" }},
		{"option with no value", func(d map[string]any) { set(d, "rdbms.options", []any{map[string]any{"name": "x"}}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := validConnection()
			tt.edit(doc)
			h.in(t).do(http.MethodPost, "/v1/connections", doc).wantStatus(t, http.StatusCreated)
		})
	}
}

func TestConnectionValidation_reportsEveryProblem(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	res := h.do(http.MethodPost, "/v1/connections", map[string]any{"type": "rdbms", "rdbms": map[string]any{"type": "postgresql"}})
	got := map[string]bool{}
	for _, e := range res.apiErrors(t) {
		got[e.Field] = true
	}
	for _, field := range []string{"name", "rdbms.host", "rdbms.database", "rdbms.user", "rdbms.password"} {
		if !got[field] {
			t.Errorf("no error for %s in %s", field, res.body)
		}
	}
}

// Config.PasswordAlwaysRequired plays Celigo's schema: no PostgreSQL connection without a password.
func TestConnectionValidation_passwordAlwaysRequiredMode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{PasswordAlwaysRequired: true})
	doc := validConnection()
	set(doc, "rdbms.password", deleted)
	e := h.do(http.MethodPost, "/v1/connections", doc).wantError(t, http.StatusUnprocessableEntity, codeMissingField, "rdbms.password")
	if e.Message != "rdbms.password is required" {
		t.Errorf("message %q", e.Message)
	}
	h.do(http.MethodPost, "/v1/connections", validConnection()).wantStatus(t, http.StatusCreated)
}

// An ssl object without material is kept by default and dropped with Config.DropEmptySSL; one
// with material is kept either way.
func TestConnection_emptySSL(t *testing.T) {
	t.Parallel()
	for _, drop := range []bool{false, true} {
		h := newHarness(t, Config{DropEmptySSL: drop})
		empty := validConnection()
		set(empty, "rdbms.ssl", map[string]any{})
		id := idOf(t, h.create(empty))
		_, kept := at(h.stored(id), "rdbms").(map[string]any)["ssl"]
		if kept == drop {
			t.Errorf("DropEmptySSL=%t: empty ssl stored on create = %t", drop, kept)
		}
		h.do(http.MethodPut, "/v1/connections/"+id, empty).wantStatus(t, http.StatusOK)
		_, kept = at(h.stored(id), "rdbms").(map[string]any)["ssl"]
		if kept == drop {
			t.Errorf("DropEmptySSL=%t: empty ssl stored on replace = %t", drop, kept)
		}
		withCA := validConnection()
		set(withCA, "rdbms.ssl", map[string]any{"ca": "CA PEM"})
		id = idOf(t, h.create(withCA))
		if at(h.stored(id), "rdbms.ssl.ca") != "CA PEM" {
			t.Errorf("DropEmptySSL=%t: an ssl object with a CA was not stored", drop)
		}
	}
}

// Fields the emulator does not know are stored and returned, as the real service keeps them.
func TestConnection_unknownFieldsAreKept(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	doc := validConnection()
	doc["debugDate"] = "2026-11-30T10:00:00.000Z"
	doc["settings"] = map[string]any{"team": "data"}
	set(doc, "rdbms.targetConcurrencyLevel", 3)
	id := idOf(t, h.create(doc))
	got := h.do(http.MethodGet, "/v1/connections/"+id, nil).object(t)
	if got["debugDate"] != doc["debugDate"] || at(got, "settings.team") != "data" || fmt.Sprint(at(got, "rdbms.targetConcurrencyLevel")) != "3" {
		t.Errorf("unknown fields not returned: %v", got)
	}
}
