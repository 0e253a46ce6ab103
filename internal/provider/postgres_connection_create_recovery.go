package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// clockSkew allows for the difference between this machine's clock and integrator.io's when
// deciding whether a connection was made since the create being recovered started.
const clockSkew = 2 * time.Minute

// createMarkerPrefix starts the marker every create sends as the connection's externalId: a
// field of Celigo's connection schema that integrator.io may keep as sent (the contract suite
// records it: reading externalid.post). A recovery adopts only a connection carrying its own
// create's marker, never one on a name or settings match.
const createMarkerPrefix = "terraform-create-"

// newCreateMarker returns a marker no other create, in this process or any other, will send.
func newCreateMarker() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return createMarkerPrefix + hex.EncodeToString(b)
}

// recovery is what a look-up after a create with an unknown outcome found.
type recovery struct {
	// adopt is the connection carrying the create's marker: proof that the create made it.
	adopt *client.Connection
	// strays are the ids of other connections carrying the marker (earlier rounds of the same
	// create that a listing showed late): this create's leftovers, in no state.
	strays []string
	// candidates are connections with the create's name and settings, made since it started and
	// carrying no marker, while no recent connection shows one: integrator.io may not keep the
	// marker, so one of them may be this create's, or all may be another configuration's.
	candidates []client.Connection
}

// decideRecovery looks among all, a listing taken after a create of doc (sending marker,
// started at started) had an unknown outcome, for the connection it made. Connections claimed
// (created or adopted by this process) are never candidates. A connection carrying the marker is
// adopted; without one, an unmarked connection with the same settings is not adopted, since
// another configuration may have made it: when recent connections carry other creates' markers
// (so integrator.io keeps them and this create's connection would show its own) such a connection
// is not this create's, and otherwise it is a candidate the caller names and does not adopt.
func decideRecovery(all []client.Connection, doc *client.Connection, marker string, started time.Time,
	claimed func(string) bool) recovery {
	recent := func(c *client.Connection) bool {
		return c.CreatedAt == nil || !c.CreatedAt.Before(started.Add(-clockSkew))
	}
	var marked, unmarked []client.Connection
	markersKept := false
	for _, c := range all {
		id := c.ExternalID()
		if strings.HasPrefix(id, createMarkerPrefix) && recent(&c) {
			markersKept = true
		}
		switch {
		case claimed(c.ID):
		case id == marker:
			marked = append(marked, c)
		case id == "" && recent(&c) && sameSettings(&c, doc):
			unmarked = append(unmarked, c)
		}
	}
	if len(marked) > 0 {
		slices.SortFunc(marked, oldestFirst)
		rec := recovery{adopt: &marked[0]}
		for _, c := range marked[1:] {
			rec.strays = append(rec.strays, c.ID)
		}
		return rec
	}
	if markersKept {
		return recovery{}
	}
	slices.SortFunc(unmarked, oldestFirst)
	return recovery{candidates: unmarked}
}

func oldestFirst(a, b client.Connection) int {
	switch {
	case a.CreatedAt != nil && b.CreatedAt != nil && !a.CreatedAt.Equal(*b.CreatedAt):
		return a.CreatedAt.Compare(*b.CreatedAt)
	case a.CreatedAt != nil && b.CreatedAt == nil:
		return -1
	case a.CreatedAt == nil && b.CreatedAt != nil:
		return 1
	}
	return strings.Compare(a.ID, b.ID)
}

// unprovenCreateError is a create whose outcome is unknown, with connections that may be the one
// it made but carry no proof of it: it is failed instead of adopting one.
type unprovenCreateError struct {
	name, marker string
	candidates   []client.Connection
	cause        error
}

func (e *unprovenCreateError) Error() string {
	return fmt.Sprintf("the create got no answer (%s), and %d connection(s) named %q with its settings were made since "+
		"it started, none carrying its marker", e.cause, len(e.candidates), e.name)
}

func (e *unprovenCreateError) Unwrap() error { return e.cause }

// detail is the diagnostic a user sees: the candidates, and what to do with each.
func (e *unprovenCreateError) detail() string {
	var list strings.Builder
	for _, c := range e.candidates {
		fmt.Fprintf(&list, "\n  - %s", c.ID)
		if c.CreatedAt != nil {
			fmt.Fprintf(&list, ", created %s", c.CreatedAt.UTC().Format(time.RFC3339))
		}
		if c.LastModifiedBy != "" {
			fmt.Fprintf(&list, ", last written by user %s", c.LastModifiedBy)
		}
	}
	first := e.candidates[0].ID
	return fmt.Sprintf("The create of connection %q got no answer (%s), so the provider cannot tell whether integrator.io made it. "+
		"integrator.io now holds %d connection(s) with this name and these settings, made since the create started, "+
		"none carrying the marker the create sent (externalId %q): integrator.io did not keep it, so nothing proves "+
		"which, if any, this create made. Another configuration, a person or a CI retry may have created a connection "+
		"of the same name at the same time, and the provider never adopts a connection on a name match: this resource "+
		"is not in state.\n\nCandidates:%s\n\n"+
		"If one of them is this resource's (no other configuration's state holds it), import it, where ADDRESS is "+
		"this resource's address (shown below):\n"+
		"  terraform import 'ADDRESS' %s\n"+
		"or with an import block:\n"+
		"  import {\n    to = ADDRESS\n    id = %q\n  }\n"+
		"or, from Terraform 1.12, by identity:\n"+
		"  import {\n    to       = ADDRESS\n    identity = { id = %q }\n  }\n"+
		"Then delete in integrator.io the candidates that no configuration holds: those are leftovers of this create. "+
		"If every candidate belongs to another configuration, apply again to create this one.",
		e.name, e.cause, len(e.candidates), e.marker, list.String(), first, first, first)
}

// leftoverHint tells how to find what a create that ended without an answer may still have made.
func leftoverHint(marker string) string {
	return fmt.Sprintf("If integrator.io made the connection anyway, it carries externalId %q: delete it, or import it, "+
		"before applying again", marker)
}

// recoveryFields are the document fields by which a create being recovered recognises the
// connection it made: those integrator.io shows back as they were sent. Every other field of the
// document is in notRecoveryFields with the reason (TestRecoveryFields_coverTheDocument).
var recoveryFields = map[string]func(*client.Connection) string{
	"type":                               func(c *client.Connection) string { return c.Type },
	"name":                               func(c *client.Connection) string { return c.Name },
	"_agentId":                           func(c *client.Connection) string { return c.AgentID },
	"_borrowConcurrencyFromConnectionId": func(c *client.Connection) string { return c.BorrowConcurrencyFromConnectionID },
	"rdbms.type":                         func(c *client.Connection) string { return c.RDBMS.Type },
	"rdbms.host":                         func(c *client.Connection) string { return c.RDBMS.Host },
	"rdbms.database":                     func(c *client.Connection) string { return c.RDBMS.Database },
	"rdbms.user":                         func(c *client.Connection) string { return c.RDBMS.User },
	"rdbms.port": func(c *client.Connection) string {
		if c.RDBMS.Port == 0 {
			return strconv.Itoa(defaultPort)
		}
		return strconv.Itoa(int(c.RDBMS.Port))
	},
}

// notRecoveryFields are the document fields a recovery does not compare, with the reason.
var notRecoveryFields = map[string]string{
	"_id":                    "set by integrator.io",
	"offline":                "set by integrator.io",
	"createdAt":              "set by integrator.io (compared with the create's start instead)",
	"lastModified":           "set by integrator.io",
	"lastModifiedBy":         "set by integrator.io",
	"rdbms":                  "compared field by field",
	"rdbms.password":         "masked",
	"rdbms.ssl":              "an empty one may be dropped, and its certificates masked or left out",
	"rdbms.concurrencyLevel": "lowered to the licence",
	"rdbms.useSSL":           "may be dropped; SSL is not compared (see rdbms.ssl)",
	"rdbms.disableStrictSSL": "may be dropped or defaulted; adds nothing to the name, host, database and user",
	"rdbms.options":          "may be stored otherwise (order, types); adds nothing to the name, host, database and user",
}

// sameSettings reports whether got, a listed connection, shows what sent, a created document,
// holds in every field of recoveryFields.
func sameSettings(got, sent *client.Connection) bool {
	if got.RDBMS == nil || sent.RDBMS == nil {
		return got.RDBMS == nil && sent.RDBMS == nil && got.Type == sent.Type && got.Name == sent.Name
	}
	for _, field := range recoveryFields {
		if field(got) != field(sent) {
			return false
		}
	}
	return true
}

// processCreates is the createGuard of this provider process, which every configured provider
// instance's data holds: connection ids are unique across accounts and regions, and two provider
// blocks (aliases) may name the same account, so one guard serves them all.
var processCreates = newCreateGuard()

// createGuard narrows what the recovery of an ambiguous create must tell apart when one apply
// creates several connections with the same name (identical ones included), which Terraform runs
// concurrently. Markers are what proves a connection a create's own (decideRecovery); the guard
// only keeps this process's connections out of the candidates named when integrator.io does not
// keep them, and it cannot see another process's creates:
//   - creates of connections with the same name run one at a time, so a create being recovered
//     never races another create of this process;
//   - the ids of connections this process created or adopted are claimed, and decideRecovery
//     skips them, so two resources never adopt the same connection.
type createGuard struct {
	mu     sync.Mutex
	byName map[string]chan struct{} // a one-slot semaphore per name
	ids    map[string]bool
}

func newCreateGuard() *createGuard {
	return &createGuard{byName: map[string]chan struct{}{}, ids: map[string]bool{}}
}

// lock waits until no other create of a connection named name is running, or ctx ends. The
// returned function releases it.
func (g *createGuard) lock(ctx context.Context, name string) (unlock func(), err error) {
	g.mu.Lock()
	sem, ok := g.byName[name]
	if !ok {
		sem = make(chan struct{}, 1)
		g.byName[name] = sem
	}
	g.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for another create of a connection named %q to finish: %w", name, ctx.Err())
	}
}

// claim records that id belongs to a resource of this process.
func (g *createGuard) claim(id string) {
	g.mu.Lock()
	g.ids[id] = true
	g.mu.Unlock()
}

func (g *createGuard) claimed(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ids[id]
}

// maxCreateRounds bounds how many times create POSTs a document whose earlier POSTs had an
// unknown outcome and turned out not to have created anything.
const maxCreateRounds = 4

// create POSTs the document with a marker of its own (externalId, see createMarkerPrefix). When
// the POST's outcome is unknown (the connection dropped after the request was sent, or the answer
// came too late), it looks for the connection the server may have made before trying again: it
// adopts only the one carrying the marker, and fails naming the candidates when integrator.io
// does not keep markers and connections with the same name and settings appeared (see
// decideRecovery), so a connection is neither duplicated, nor taken from another configuration,
// nor left behind without its id being named. Creates of connections with the same name in this
// process run one at a time (see createGuard). The warnings name this create's leftovers.
func (r *postgresConnectionResource) create(ctx context.Context, doc *client.Connection) (*client.Connection, diag.Diagnostics, error) {
	var warnings diag.Diagnostics
	unlock, err := r.data.creates.lock(ctx, doc.Name)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	marker := newCreateMarker()
	doc.SetExternalID(marker)
	started := time.Now()
	for round := 1; ; round++ {
		created, err := r.data.connections.Create(ctx, doc)
		if err == nil {
			r.data.creates.claim(created.ID)
			if round > 1 {
				warnings.Append(r.earlierAttempts(ctx, doc.Name, created.ID, marker, round-1)...)
			}
			return created, warnings, nil
		}
		if !errors.Is(err, client.ErrOutcomeUnknown) {
			return nil, warnings, err
		}
		tflog.Warn(ctx, "create outcome unknown; looking for the connection before trying again",
			map[string]any{"error": err.Error(), "round": round, "marker": marker})
		found, lookupErr := r.lookupCreated(ctx, doc, marker, started)
		switch {
		case lookupErr != nil:
			return nil, warnings, fmt.Errorf("%w; looking for a connection it may have created also failed: %s. "+
				"Check integrator.io for a connection named %q carrying externalId %q and import it if it exists",
				err, lookupErr, doc.Name, marker)
		case found.adopt != nil:
			r.data.creates.claim(found.adopt.ID)
			tflog.Info(ctx, "found the connection the interrupted create made", map[string]any{"id": found.adopt.ID})
			if len(found.strays) > 0 {
				warnings.AddWarning("Leftover Connections of This Create",
					fmt.Sprintf("Connection %q is %s. Earlier attempts of the same create, which had no answer, also made %s "+
						"(carrying the same marker, externalId %q), in no state: delete them in integrator.io.",
						doc.Name, found.adopt.ID, strings.Join(found.strays, ", "), marker))
			}
			return found.adopt, warnings, nil
		case len(found.candidates) > 0:
			return nil, warnings, &unprovenCreateError{name: doc.Name, marker: marker, candidates: found.candidates, cause: err}
		case ctx.Err() != nil, round >= maxCreateRounds:
			return nil, warnings, fmt.Errorf("%w. %s", err, leftoverHint(marker))
		}
	}
}

// earlierAttempts warns of what the attempts of a create before the one that was answered may have
// left: they showed nothing when they were looked up, but a listing can lag. A listing now names
// the connections carrying the marker besides created, when there are any.
func (r *postgresConnectionResource) earlierAttempts(ctx context.Context, name, created, marker string, attempts int) diag.Diagnostics {
	var diags diag.Diagnostics
	lookupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	all, err := r.data.client.Connections.List(lookupCtx)
	var strays []string
	for _, c := range all {
		if c.ExternalID() == marker && c.ID != created {
			strays = append(strays, c.ID)
		}
	}
	if len(strays) > 0 {
		diags.AddWarning("Leftover Connections of This Create",
			fmt.Sprintf("Connection %q is %s. Earlier attempts of the same create, which had no answer, also made %s "+
				"(carrying the same marker, externalId %q), in no state: delete them in integrator.io.",
				name, created, strings.Join(strays, ", "), marker))
		return diags
	}
	detail := fmt.Sprintf("Connection %q was created (%s) after %d attempt(s) without an answer, which left nothing "+
		"integrator.io showed. Should another connection carrying externalId %q appear later, it is a leftover of "+
		"those attempts: delete it.", name, created, attempts, marker)
	if err != nil {
		detail += " Listing connections to check for one failed: " + err.Error()
	}
	diags.AddWarning("Earlier Create Attempts Had No Answer", detail)
	return diags
}

// lookupCreated looks for the connection an ambiguous create of doc made. The create's own deadline may
// be what cut it short, so the lookup gets a short budget of its own.
func (r *postgresConnectionResource) lookupCreated(ctx context.Context, doc *client.Connection, marker string, started time.Time) (recovery, error) {
	lookupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	all, err := r.data.client.Connections.List(lookupCtx)
	if err != nil {
		return recovery{}, err
	}
	found := decideRecovery(all, doc, marker, started, r.data.creates.claimed)
	if len(found.candidates) == 0 {
		return found, nil
	}
	// No listed connection showed a marker: a listing may leave externalId out (it promises only
	// "the full default record"), so each candidate is read by id, and the decision made again on
	// what those reads show. A candidate that cannot be read stays one (it is named, not adopted).
	read := make([]client.Connection, 0, len(found.candidates))
	for _, c := range found.candidates {
		got, err := r.data.client.Connections.Get(lookupCtx, c.ID)
		switch {
		case isNotFound(err):
			continue // deleted since the listing: nobody's to adopt
		case err != nil:
			got = &c
		}
		read = append(read, *got)
	}
	return decideRecovery(read, doc, marker, started, r.data.creates.claimed), nil
}
