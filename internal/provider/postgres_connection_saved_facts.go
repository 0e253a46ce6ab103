package provider

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// Private-state keys holding what integrator.io answered right after this provider's last create
// or update of the connection. Read compares a later answer with them to tell integrator.io's own
// ways of storing and showing a document from changes made outside Terraform.
const (
	// savedLevelKey: the concurrency level integrator.io held. It quietly lowers a level above the
	// licence: the same lowered level later is not drift (see readConcurrencyLevel).
	savedLevelKey = "saved_concurrency_level"
	// hiddenFieldsKey: the secrets and certificates that were sent but came back absent, not
	// masked: integrator.io does not show them at all, so their absence later is not drift.
	hiddenFieldsKey = "hidden_fields"
	// lastSeenModifiedKey: the lastModified of the document the last refresh (or save) saw. An
	// update compares it with the document it reads right before its PUT.
	lastSeenModifiedKey = "last_seen_modified"
)

// recordLastSeen records doc's lastModified as the version Terraform last saw (private state
// holds JSON: a string).
func recordLastSeen(ctx context.Context, p privateSetter, doc *client.Connection) diag.Diagnostics {
	if doc.LastModified == nil {
		return p.SetKey(ctx, lastSeenModifiedKey, nil)
	}
	raw, _ := json.Marshal(lastModifiedText(doc)) // a string always encodes
	return p.SetKey(ctx, lastSeenModifiedKey, raw)
}

// readLastSeen returns what recordLastSeen recorded, or "" when nothing was (a state written by
// an earlier version of the provider, or a document without lastModified).
func readLastSeen(ctx context.Context, p privateGetter) string {
	raw, diags := p.GetKey(ctx, lastSeenModifiedKey)
	var seen string
	if diags.HasError() || json.Unmarshal(raw, &seen) != nil {
		return ""
	}
	return seen
}

// lastModifiedText is doc's lastModified as recorded, "" when it has none.
func lastModifiedText(doc *client.Connection) string {
	if doc.LastModified == nil {
		return ""
	}
	return doc.LastModified.UTC().Format(time.RFC3339Nano)
}

// savedFacts is what private state records of the last save.
type savedFacts struct {
	level  types.Int64     // null when none: imported, borrowing, or saved by an older provider
	hidden map[string]bool // attribute names (ssl_ca, ssl_certificate, ...); nil when none
}

type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// readSavedFacts returns what recordSavedFacts recorded; a connection imported, or made by an
// earlier version of the provider, has nothing recorded until its next update.
func readSavedFacts(ctx context.Context, p privateGetter) savedFacts {
	facts := savedFacts{level: types.Int64Null()}
	if raw, diags := p.GetKey(ctx, savedLevelKey); !diags.HasError() && len(raw) > 0 {
		if level, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			facts.level = types.Int64Value(level)
		}
	}
	if raw, diags := p.GetKey(ctx, hiddenFieldsKey); !diags.HasError() && len(raw) > 0 {
		var names []string
		if json.Unmarshal(raw, &names) == nil && len(names) > 0 {
			facts.hidden = map[string]bool{}
			for _, n := range names {
				facts.hidden[n] = true
			}
		}
	}
	return facts
}

// recordSavedFacts records what integrator.io answered to a create or update (saved) of the
// document sent.
func recordSavedFacts(ctx context.Context, p privateSetter, sent, saved *client.Connection) diag.Diagnostics {
	var diags diag.Diagnostics
	if saved.BorrowConcurrencyFromConnectionID != "" {
		diags.Append(p.SetKey(ctx, savedLevelKey, nil)...)
	} else {
		diags.Append(p.SetKey(ctx, savedLevelKey, []byte(strconv.FormatInt(serverConcurrencyLevel(saved), 10)))...)
	}
	var hidden []string
	for name, pair := range secretFieldPairs(sent, saved) {
		if pair[0] != "" && pair[1] == "" {
			hidden = append(hidden, name)
		}
	}
	if len(hidden) == 0 {
		diags.Append(p.SetKey(ctx, hiddenFieldsKey, nil)...)
		return diags
	}
	sort.Strings(hidden)
	raw, _ := json.Marshal(hidden) // a []string always encodes
	diags.Append(p.SetKey(ctx, hiddenFieldsKey, raw)...)
	return diags
}

// secretFieldPairs maps each attribute that integrator.io may mask or hide to its value in the
// document sent and in the one answered.
func secretFieldPairs(sent, saved *client.Connection) map[string][2]string {
	var s, a client.RDBMS
	if sent.RDBMS != nil {
		s = *sent.RDBMS
	}
	if saved.RDBMS != nil {
		a = *saved.RDBMS
	}
	var sslS, sslA client.SSL
	if s.SSL != nil {
		sslS = *s.SSL
	}
	if a.SSL != nil {
		sslA = *a.SSL
	}
	return map[string][2]string{
		"password":        {s.Password, a.Password},
		"ssl_ca":          {sslS.CA, sslA.CA},
		"ssl_certificate": {sslS.Cert, sslA.Cert},
		"ssl_key":         {sslS.Key, sslA.Key},
		"ssl_passphrase":  {sslS.Passphrase, sslA.Passphrase},
	}
}
