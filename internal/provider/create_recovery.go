package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// clockSkew allows for the difference between this machine's clock and integrator.io's when
// deciding whether a connection was made by the create being recovered.
const clockSkew = 2 * time.Minute

// findCreated looks for the connection an interrupted POST of doc may have made: one with the
// same non-secret settings, created since started. It returns nil when there is none, and an
// error when several match, since adopting the wrong one would be worse than stopping.
// Connections this provider process created or adopted (see createGuard) are never candidates:
// they belong to another resource.
func findCreated(ctx context.Context, api connectionLister, doc *client.Connection, started time.Time) (*client.Connection, error) {
	all, err := api.List(ctx)
	if err != nil {
		return nil, err
	}
	var matches []client.Connection
	for _, c := range all {
		if c.CreatedAt != nil && c.CreatedAt.Before(started.Add(-clockSkew)) {
			continue
		}
		if creates.claimed(c.ID) {
			continue
		}
		if sameSettings(&c, doc) {
			matches = append(matches, c)
		}
	}
	switch len(matches) {
	case 0:
		return nil, nil
	case 1:
		return &matches[0], nil
	}
	ids := make([]string, len(matches))
	for i, c := range matches {
		ids[i] = c.ID
	}
	return nil, fmt.Errorf("%d connections named %q were created just now (%s); import the right one with "+
		"terraform import and delete the others in integrator.io", len(matches), doc.Name, strings.Join(ids, ", "))
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

// creates is the createGuard of this provider process. Connection ids are unique across accounts
// and regions, so one guard serves every configured provider instance.
var creates = newCreateGuard()

// createGuard makes the recovery of an ambiguous create safe when one apply creates several
// connections with the same name (identical ones included), which Terraform runs concurrently:
//   - creates of connections with the same name run one at a time, so a create being recovered
//     never races another create that findCreated could mistake for its own;
//   - the ids of connections this process created or adopted are claimed, and findCreated skips
//     them, so two resources never adopt the same connection.
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

// create POSTs the document. When the POST's outcome is unknown (the connection dropped after the
// request was sent), it looks for the object the server may have made before trying again, so a
// connection is neither duplicated nor left outside state. Creates of connections with the same
// name run one at a time and never adopt each other's objects (see createGuard).
func (r *postgresConnectionResource) create(ctx context.Context, doc *client.Connection) (*client.Connection, error) {
	unlock, err := creates.lock(ctx, doc.Name)
	if err != nil {
		return nil, err
	}
	defer unlock()
	started := time.Now()
	for round := 1; ; round++ {
		created, err := r.data.client.Connections.Create(ctx, doc)
		if err == nil {
			creates.claim(created.ID)
			return created, nil
		}
		if !errors.Is(err, client.ErrOutcomeUnknown) {
			return nil, err
		}
		tflog.Warn(ctx, "create outcome unknown; looking for the connection before trying again",
			map[string]any{"error": err.Error(), "round": round})
		found, lookupErr := r.lookupCreated(ctx, doc, started)
		switch {
		case lookupErr != nil:
			return nil, fmt.Errorf("%w; looking for a connection it may have created also failed: %s. "+
				"Check integrator.io for a connection named %q and import it if it exists", err, lookupErr, doc.Name)
		case found != nil:
			creates.claim(found.ID)
			tflog.Info(ctx, "found the connection the interrupted create made", map[string]any{"id": found.ID})
			return found, nil
		case ctx.Err() != nil, round >= maxCreateRounds:
			return nil, err
		}
	}
}

// lookupCreated looks for the connection an ambiguous create of doc made. The create's own deadline may
// be what cut it short, so the lookup gets a short budget of its own.
func (r *postgresConnectionResource) lookupCreated(ctx context.Context, doc *client.Connection, started time.Time) (*client.Connection, error) {
	lookupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	return findCreated(lookupCtx, r.data.client.Connections, doc, started)
}
