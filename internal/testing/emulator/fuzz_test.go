package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzCreateConnection sends arbitrary bodies to POST /v1/connections: the emulator must never
// panic and must always answer JSON with a 2xx or 4xx status, and a stored password must come
// back masked.
func FuzzCreateConnection(f *testing.F) {
	// More seeds, mostly malformed, are in testdata/fuzz/FuzzCreateConnection.
	f.Add([]byte(`{"type":"rdbms","name":"n","rdbms":{"type":"postgresql","host":"h","database":"d","user":"u","password":"p"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		s := New(Config{Tokens: []string{testToken}, Pinger: (&recordingPinger{}).Ping})
		req := httptest.NewRequest(http.MethodPost, "/v1/connections", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)

		if rec.Code < 200 || rec.Code >= 500 || (rec.Code >= 300 && rec.Code < 400) {
			t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("answer is not JSON for body %q: %q", body, rec.Body)
		}
		if rec.Code != http.StatusCreated {
			return
		}
		var created map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
			t.Fatal(err)
		}
		stored := s.Connections()
		if len(stored) != 1 {
			t.Fatalf("201 but %d documents stored", len(stored))
		}
		if pw, _ := at(stored[0], "rdbms.password").(string); pw != "" && at(created, "rdbms.password") != Mask {
			t.Fatalf("password %q answered unmasked", at(created, "rdbms.password"))
		}
	})
}
