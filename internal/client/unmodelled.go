package client

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unique"
)

// PUT replaces a whole document, and real connections carry fields this client does not model
// (debugDate, debugUntil, externalId, settings, _integrationId, rdbms.targetConcurrencyLevel and
// fields added later). A PUT that left them out would erase them. So each document type keeps
// them in Extra when it is decoded and writes them back when it is encoded; the fields it models
// always win over Extra.

// The plain types have the fields of the document types but not their JSON methods, so those
// methods can call encoding/json on them without recursing.
type (
	plainConnection Connection
	plainRDBMS      RDBMS
	plainSSL        SSL
)

// The JSON keys each document type models; every other key goes to Extra.
var (
	connectionKeys = jsonKeys(reflect.TypeFor[plainConnection]())
	rdbmsKeys      = jsonKeys(reflect.TypeFor[plainRDBMS]())
	sslKeys        = jsonKeys(reflect.TypeFor[plainSSL]())
)

func jsonKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}

// UnmarshalJSON decodes a connection document, keeping the fields it does not model in Extra.
func (c *Connection) UnmarshalJSON(b []byte) error {
	var p plainConnection
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	extra, err := unmodelledFields(b, connectionKeys)
	if err != nil {
		return err
	}
	p.Extra = extra
	*c = Connection(p)
	return nil
}

// serverSetFields are the top-level fields of a connection that only integrator.io sets (the
// developer portal's api-conventions lists _id, createdAt, lastModified and lastModifiedBy; the
// UI never sets offline). A write never carries them, modelled or not: a document read back and
// sent again must not echo them.
var serverSetFields = []string{"_id", "createdAt", "lastModified", "lastModifiedBy", "offline"}

// MarshalJSON writes the document without the fields only the server may set, with Extra back.
func (c Connection) MarshalJSON() ([]byte, error) {
	b, err := withUnmodelledFields(plainConnection(c), c.Extra, connectionKeys)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, err
	}
	for _, k := range serverSetFields {
		delete(fields, k)
	}
	return json.Marshal(fields)
}

// UnmarshalJSON decodes the rdbms part of a document, keeping the fields it does not model.
func (r *RDBMS) UnmarshalJSON(b []byte) error {
	var p plainRDBMS
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	extra, err := unmodelledFields(b, rdbmsKeys)
	if err != nil {
		return err
	}
	p.Extra = extra
	p.Type, p.Host, p.Database, p.User = shared(p.Type), shared(p.Host), shared(p.Database), shared(p.User)
	*r = RDBMS(p)
	return nil
}

// MarshalJSON writes the rdbms part with its Extra fields.
func (r RDBMS) MarshalJSON() ([]byte, error) {
	return withUnmodelledFields(plainRDBMS(r), r.Extra, rdbmsKeys)
}

// UnmarshalJSON decodes rdbms.ssl, keeping the fields it does not model.
func (s *SSL) UnmarshalJSON(b []byte) error {
	var p plainSSL
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	extra, err := unmodelledFields(b, sslKeys)
	if err != nil {
		return err
	}
	p.Extra = extra
	p.CA, p.Cert = shared(p.CA), shared(p.Cert)
	*s = SSL(p)
	return nil
}

// shared returns one copy of s for every document that carries the same text. An account's
// connections tend to share a host, a database, a CA and a client certificate, and a listing holds
// thousands of them at once (the provider's refresh snapshot): a CA alone is a kilobyte each.
func shared(s string) string {
	return unique.Make(s).Value()
}

// MarshalJSON writes rdbms.ssl with its Extra fields.
func (s SSL) MarshalJSON() ([]byte, error) {
	return withUnmodelledFields(plainSSL(s), s.Extra, sslKeys)
}

// unmodelledFields returns the members of the JSON object b whose keys are not in known, or nil.
func unmodelledFields(b []byte, known map[string]bool) (map[string]json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	for k := range all {
		if known[k] {
			delete(all, k)
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	return all, nil
}

// withUnmodelledFields encodes v (a plain document struct) with the members of extra that it
// does not model added.
func withUnmodelledFields(v any, extra map[string]json.RawMessage, known map[string]bool) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, err
	}
	for k, raw := range extra {
		if !known[k] {
			fields[k] = raw
		}
	}
	return json.Marshal(fields)
}

// KeepUnmodelledFields copies onto c, a document about to replace current with a PUT, the fields
// of current (as read from the API) that this client does not model, so that the full replace
// keeps them. c's own Extra fields win. A field holding the mask is left out, because sending the
// mask back would store it as the field's value: the paths of those fields are returned, sorted,
// so the caller can say that the replace clears them.
func (c *Connection) KeepUnmodelledFields(current *Connection) (masked []string) {
	if current == nil {
		return nil
	}
	c.Extra = mergeUnmasked(current.Extra, c.Extra, "", &masked)
	if c.RDBMS != nil && current.RDBMS != nil {
		c.RDBMS.Extra = mergeUnmasked(current.RDBMS.Extra, c.RDBMS.Extra, "rdbms.", &masked)
		if c.RDBMS.SSL != nil && current.RDBMS.SSL != nil {
			c.RDBMS.SSL.Extra = mergeUnmasked(current.RDBMS.SSL.Extra, c.RDBMS.SSL.Extra, "rdbms.ssl.", &masked)
		}
	}
	sort.Strings(masked)
	return masked
}

// maskJSON is the mask as a JSON string, to find it inside raw values cheaply.
var maskJSON = []byte(`"` + Masked + `"`)

// mergeUnmasked returns kept's members without masked values (at any depth), then own's.
func mergeUnmasked(kept, own map[string]json.RawMessage, prefix string, masked *[]string) map[string]json.RawMessage {
	if len(kept) == 0 {
		return own
	}
	out := make(map[string]json.RawMessage, len(kept)+len(own))
	for k, raw := range kept {
		if !bytes.Contains(raw, maskJSON) {
			out[k] = raw
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			continue // unreachable: raw was decoded from the server's JSON
		}
		v, keep := stripMasked(v, prefix+k, masked)
		if !keep {
			continue
		}
		if b, err := json.Marshal(v); err == nil {
			out[k] = b
		}
	}
	for k, raw := range own {
		out[k] = raw
	}
	return out
}

// stripMasked removes masked strings from a decoded JSON value, recording their paths. It
// reports false when v itself is masked.
func stripMasked(v any, path string, masked *[]string) (any, bool) {
	switch v := v.(type) {
	case string:
		if IsMasked(v) {
			*masked = append(*masked, path)
			return nil, false
		}
	case map[string]any:
		for k, x := range v {
			if y, keep := stripMasked(x, path+"."+k, masked); keep {
				v[k] = y
			} else {
				delete(v, k)
			}
		}
	case []any:
		for i, x := range v {
			if y, keep := stripMasked(x, path+"["+strconv.Itoa(i)+"]", masked); keep {
				v[i] = y
			} else {
				v[i] = nil // keep the positions of the other elements
			}
		}
	}
	return v, true
}

// ExternalID returns the document's externalId (a string field of every connection, "often used
// to correlate it with a record in a third-party system" in Celigo's schema), which this client
// keeps among the unmodelled fields (Extra): "" when it is absent or not a string.
func (c *Connection) ExternalID() string {
	var s string
	if raw, ok := c.Extra["externalId"]; !ok || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// SetExternalID sets the document's externalId (in Extra, so an update keeps it like any other
// unmodelled field).
func (c *Connection) SetExternalID(id string) {
	raw, _ := json.Marshal(id) // a string always encodes
	if c.Extra == nil {
		c.Extra = map[string]json.RawMessage{}
	}
	c.Extra["externalId"] = raw
}
