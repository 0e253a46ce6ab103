package client

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzDecodeConnection feeds arbitrary bytes through the decoding a connection response takes,
// as a success and as an error. It must never panic, never return both or neither of a document
// and an error, never return a document without an id, and never let the token into error text.
func FuzzDecodeConnection(f *testing.F) {
	c, err := New(WithToken(testToken))
	if err != nil {
		f.Fatal(err)
	}
	cl := c.newCall(http.MethodGet, "/connections/x", nil, safeToRepeat)
	f.Fuzz(func(t *testing.T, body []byte) {
		resp := &response{status: http.StatusOK, header: http.Header{}, body: body}
		conn, err := c.decodeConnection(resp)
		switch {
		case (conn == nil) == (err == nil):
			t.Fatalf("decodeConnection returned %v and %v", conn, err)
		case conn != nil && conn.ID == "":
			t.Fatal("decoded a connection without an id")
		case err != nil && strings.Contains(err.Error(), testToken):
			t.Fatalf("decode error holds the token: %v", err)
		}

		if _, err := decodeList[Connection](c, resp, "connection"); err != nil && strings.Contains(err.Error(), testToken) {
			t.Fatalf("list decode error holds the token: %v", err)
		}
		apiErr := c.newAPIError(cl, &response{status: http.StatusUnprocessableEntity, header: http.Header{}, body: body})
		if strings.Contains(apiErr.Error(), testToken) {
			t.Fatalf("APIError holds the token: %v", apiErr)
		}
	})
}
