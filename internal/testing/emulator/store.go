package emulator

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"time"
)

// Mask is what the API returns in place of a secret.
const Mask = "******"

// timeLayout is the API's timestamp format: UTC with milliseconds, e.g. 2022-07-01T08:39:30.787Z.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// Fields only the server sets; whatever a client sends for them is dropped (and, for
// connections, recorded or refused: see takeServerSetFields).
var (
	serverConnectionFields = []string{"_id", "createdAt", "lastModified", "lastModifiedBy", "offline"}
	serverAgentFields      = []string{"_id", "createdAt", "lastModified", "offline", "online", "lastHeartbeatAt"}
)

func dropFields(doc map[string]any, fields []string) {
	for _, f := range fields {
		delete(doc, f)
	}
}

// entry is one stored document. rev changes on every replace, so work done without the lock
// (a ping) can tell whether the document it looked at is still the current one.
type entry struct {
	doc map[string]any
	rev uint64
}

// collection keeps documents by id and in creation order, which is the order lists return.
type collection struct {
	byID  map[string]*entry
	order []string
}

func newCollection() collection {
	return collection{byID: map[string]*entry{}}
}

func (c *collection) get(id string) (*entry, bool) {
	e, ok := c.byID[id]
	return e, ok
}

func (c *collection) insert(id string, doc map[string]any) {
	c.byID[id] = &entry{doc: doc, rev: 1}
	c.order = append(c.order, id)
}

func (c *collection) replace(e *entry, doc map[string]any) {
	e.doc = doc
	e.rev++
}

func (c *collection) remove(id string) bool {
	if _, ok := c.byID[id]; !ok {
		return false
	}
	delete(c.byID, id)
	c.order = slices.DeleteFunc(c.order, func(x string) bool { return x == id })
	return true
}

func (c *collection) len() int { return len(c.order) }

// index returns the position of id in creation order.
func (c *collection) index(id string) (int, bool) {
	if _, ok := c.byID[id]; !ok {
		return 0, false
	}
	return slices.Index(c.order, id), true
}

// page returns copies of the documents in [skip, skip+limit), passed through view.
func (c *collection) page(skip, limit int, view func(map[string]any) map[string]any) []map[string]any {
	if skip >= len(c.order) {
		return nil
	}
	ids := c.order[skip:min(len(c.order), skip+limit)]
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, view(c.byID[id].doc))
	}
	return out
}

// idGenerator makes ids shaped like MongoDB ObjectIds: 4 bytes of seconds, 5 random bytes
// fixed per server and a 3-byte counter, as 24 lowercase hex digits.
type idGenerator struct {
	process [5]byte
	counter uint32
}

func newIDGenerator() idGenerator {
	var g idGenerator
	var seed [4]byte
	// crypto/rand.Read never fails on supported platforms.
	_, _ = rand.Read(g.process[:])
	_, _ = rand.Read(seed[:])
	g.counter = binary.BigEndian.Uint32(seed[:])
	return g
}

// next returns a fresh id for which taken reports false.
func (g *idGenerator) next(now time.Time, taken func(string) bool) string {
	for {
		var b [12]byte
		binary.BigEndian.PutUint32(b[:4], uint32(now.Unix()))
		copy(b[4:9], g.process[:])
		g.counter++
		b[9], b[10], b[11] = byte(g.counter>>16), byte(g.counter>>8), byte(g.counter)
		if id := hex.EncodeToString(b[:]); !taken(id) {
			return id
		}
	}
}

// isID reports whether s has the shape of an id; anything else cannot name a document.
func isID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func randomToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// deepCopy copies decoded JSON so callers never share maps or slices with the store.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return copyDoc(v)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = deepCopy(x)
		}
		return out
	default:
		return v // strings, json.Number, bools and nil are immutable
	}
}

func copyDoc(doc map[string]any) map[string]any {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		out[k] = deepCopy(v)
	}
	return out
}

// maskedConnection is a connection as every API read shows it: a copy with the password, the
// client key and its passphrase replaced by Mask, and the CA and certificate too unless
// Config.ReturnCertificates or Config.OmitCertificates says otherwise.
func (s *Server) maskedConnection(doc map[string]any) map[string]any {
	out := copyDoc(doc)
	rdbms, _ := out["rdbms"].(map[string]any)
	maskField(rdbms, "password")
	if ssl, ok := rdbms["ssl"].(map[string]any); ok {
		maskField(ssl, "key")
		maskField(ssl, "passphrase")
		switch {
		case s.cfg.OmitCertificates:
			delete(ssl, "ca")
			delete(ssl, "cert")
		case !s.cfg.ReturnCertificates:
			maskField(ssl, "ca")
			maskField(ssl, "cert")
		}
	}
	return out
}

func maskField(m map[string]any, key string) {
	if v, ok := m[key]; ok && v != nil && v != "" {
		m[key] = Mask
	}
}
