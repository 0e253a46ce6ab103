package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Masked is what the API returns in place of a secret (password, key, passphrase, and sometimes
// the CA or certificate). A client must never send it back as if it were the real value.
const Masked = "******"

// IsMasked reports whether a value read from the API is the mask rather than real content.
func IsMasked(s string) bool { return s == Masked }

// Connection types and RDBMS flavours this client knows.
const (
	ConnectionTypeRDBMS = "rdbms"
	RDBMSTypePostgreSQL = "postgresql"
)

// Connection is an integrator.io connection document. Fields the server sets (serverSetFields:
// ID, Offline, CreatedAt, LastModified, LastModifiedBy) are never sent: see MarshalJSON.
type Connection struct {
	ID                                string     `json:"_id,omitempty"`
	Type                              string     `json:"type"`
	Name                              string     `json:"name"`
	Offline                           bool       `json:"offline,omitempty"`
	AgentID                           string     `json:"_agentId,omitempty"`
	BorrowConcurrencyFromConnectionID string     `json:"_borrowConcurrencyFromConnectionId,omitempty"`
	RDBMS                             *RDBMS     `json:"rdbms,omitempty"`
	CreatedAt                         *time.Time `json:"createdAt,omitempty"`
	LastModified                      *time.Time `json:"lastModified,omitempty"`
	LastModifiedBy                    string     `json:"lastModifiedBy,omitempty"` // the _id of the user who last wrote it

	// Extra holds the document's fields this client does not model (debugDate, settings,
	// _integrationId, future fields...), as the server sent them: see KeepUnmodelledFields.
	Extra map[string]json.RawMessage `json:"-"`
}

// RDBMS is the database part of a connection document.
type RDBMS struct {
	Type             string   `json:"type"`
	Host             string   `json:"host,omitempty"`
	Port             Port     `json:"port,omitempty"`
	Database         string   `json:"database,omitempty"`
	User             string   `json:"user,omitempty"`
	Password         string   `json:"password,omitempty"`
	SSL              *SSL     `json:"ssl,omitempty"`
	DisableStrictSSL bool     `json:"disableStrictSSL,omitempty"`
	Options          []Option `json:"options,omitempty"`
	ConcurrencyLevel int      `json:"concurrencyLevel,omitempty"`
	UseSSL           *bool    `json:"useSSL,omitempty"` // the UI's "Use SSL" box, sent with every save; nil when absent

	// Extra holds the rdbms fields this client does not model (targetConcurrencyLevel...).
	Extra map[string]json.RawMessage `json:"-"`
}

// SSLOn reports whether the document asks for SSL: rdbms.useSSL when present (the UI's box),
// otherwise whether it has an ssl object.
func (r *RDBMS) SSLOn() bool {
	if r.UseSSL != nil {
		return *r.UseSSL
	}
	return r.SSL != nil
}

// SSL holds PEM text. Its presence in a document is what turns SSL on.
type SSL struct {
	CA         string `json:"ca,omitempty"`
	Cert       string `json:"cert,omitempty"`
	Key        string `json:"key,omitempty"`
	Passphrase string `json:"passphrase,omitempty"`

	// Extra holds the ssl fields this client does not model.
	Extra map[string]json.RawMessage `json:"-"`
}

// Option is one driver property.
type Option struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Agent is an on-premise agent document.
type Agent struct {
	ID              string     `json:"_id"`
	Name            string     `json:"name"`
	Description     string     `json:"description,omitempty"`
	Version         string     `json:"version,omitempty"`
	Port            Port       `json:"port,omitempty"`
	Offline         bool       `json:"offline"` // also read from an "online" field: see UnmarshalJSON
	LastHeartbeatAt *time.Time `json:"lastHeartbeatAt,omitempty"`
	CreatedAt       *time.Time `json:"createdAt,omitempty"`
	LastModified    *time.Time `json:"lastModified,omitempty"`
}

// UnmarshalJSON reads the agent's state from "offline" or, in documents that carry it instead,
// "online" (Celigo's CLI knows both). "offline" wins when both are present; with neither the
// agent counts as online, as an absent "offline" flag always has.
func (a *Agent) UnmarshalJSON(b []byte) error {
	type plain Agent // drops this method, avoiding recursion
	var doc struct {
		plain
		Offline *bool `json:"offline"`
		Online  *bool `json:"online"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	*a = Agent(doc.plain)
	switch {
	case doc.Offline != nil:
		a.Offline = *doc.Offline
	case doc.Online != nil:
		a.Offline = !*doc.Online
	}
	return nil
}

// TokenInfo is the answer of GET /tokenInfo.
type TokenInfo struct {
	UserID string `json:"_userId"`
	// Scope is kept as the raw JSON the server sent: "*" for a full-access token, and an
	// unpublished shape for custom-scoped tokens, which must never fail the decoding.
	Scope json.RawMessage `json:"scope,omitempty"`
}

// FullAccess reports whether the token has every permission (scope "*"). False for a scoped
// token, whose permissions this client does not interpret, and when no scope was sent.
func (t TokenInfo) FullAccess() bool {
	var s string
	return json.Unmarshal(t.Scope, &s) == nil && s == "*"
}

// Port is a TCP port that decodes from a JSON number or a numeric string (older documents hold
// strings) and encodes as a number. Zero means "not set".
type Port int

// UnmarshalJSON accepts 5432, "5432", " 5432 ", "" and null.
func (p *Port) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*p = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s) // old documents may pad it, as in " 5432 "
		if s == "" {
			*p = 0
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("port %q is not a number", s)
		}
		*p = Port(n)
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("port %s is not a whole number", b)
	}
	*p = Port(n)
	return nil
}
