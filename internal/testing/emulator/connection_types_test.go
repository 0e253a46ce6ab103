package emulator

import (
	"net/http"
	"strings"
	"testing"
)

// Connections of other types are stored and listed beside rdbms ones, so that a client listing
// PostgreSQL connections meets them; their own settings are not checked, and they cannot be tested.
func TestConnection_otherTypesAreStoredAndListed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	pg := idOf(t, h.create(validConnection()))
	httpID := idOf(t, h.create(map[string]any{"type": "http", "name": "Shop API", "http": map[string]any{"baseURI": "https://shop.example"}}))
	mysql := validConnection()
	mysql["rdbms"].(map[string]any)["type"] = "mysql"
	mysqlID := idOf(t, h.create(mysql))

	types := map[string]string{}
	for _, c := range h.do(http.MethodGet, "/v1/connections", nil).array(t) {
		typ, _ := c["type"].(string)
		types[idOf(t, c)] = typ
	}
	if types[pg] != "rdbms" || types[httpID] != "http" || types[mysqlID] != "rdbms" {
		t.Fatalf("listed types %v", types)
	}
	h.do(http.MethodPost, "/v1/connections", map[string]any{"type": "carrier-pigeon", "name": "x"}).
		wantError(t, http.StatusUnprocessableEntity, codeInvalidValue, "type")
	h.do(http.MethodPost, "/v1/connections", map[string]any{"type": "ftp"}).
		wantError(t, http.StatusUnprocessableEntity, codeMissingField, "name")
}

// A test of a connection of another type fails, saying the emulator cannot test that type.
func TestPing_otherTypeIsNotTestable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	id := idOf(t, h.create(map[string]any{"type": "http", "name": "Shop API"}))
	res := h.do(http.MethodPost, "/v1/connections/"+id+"/ping", nil)
	if !strings.Contains(string(res.body), `not connections of type \"http\"`) {
		t.Fatalf("ping of an http connection answered %d %s", res.status, res.body)
	}
}
