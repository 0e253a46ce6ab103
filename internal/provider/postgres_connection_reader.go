package provider

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// connectionLister is the part of the client the reader needs.
type connectionLister interface {
	List(ctx context.Context) ([]client.Connection, error)
	Get(ctx context.Context, id string) (*client.Connection, error)
}

// connectionWriter is the part of the client that changes connections (a test may change the
// offline flag, so it counts as a write).
type connectionWriter interface {
	Create(ctx context.Context, doc *client.Connection) (*client.Connection, error)
	Replace(ctx context.Context, id string, doc *client.Connection) (*client.Connection, error)
	Delete(ctx context.Context, id string) error
	Ping(ctx context.Context, id string) error
}

// connectionsAPI is the whole of the client the reader and its writes use.
type connectionsAPI interface {
	connectionLister
	connectionWriter
}

// snapshotTTL bounds how long a listed snapshot answers reads. A refresh walk reads every
// resource within seconds; anything older is fetched again.
const snapshotTTL = 30 * time.Second

// connectionReader answers resource reads. A read that arrives alone costs one GET. When several
// arrive together (a refresh of many resources), they share one listing of all connections, and
// reads that follow use that snapshot. Every write of this provider process goes through the
// reader (Create, Replace, Delete, Ping), which drops the snapshot after it, so a read never sees
// an object older than this process's own last write to it, and no write path can forget to.
//
// The snapshot holds only PostgreSQL connections (an account's other connections are never read
// here), and a read takes its document out: a refresh reads each resource once, so the snapshot
// empties as the refresh goes, and a second read of the same id costs a GET.
type connectionReader struct {
	api    connectionLister
	writes connectionWriter // nil in tests that only read
	now    func() time.Time

	mu         sync.Mutex
	active     int // reads in progress
	generation int // bumped on every write
	inflight   *listCall
	snapshot   map[string]*client.Connection
	takenAt    time.Time
	takenGen   int
}

type listCall struct {
	warnOnce   sync.Once // a failed listing is logged once, by the first read that falls back
	done       chan struct{}
	generation int
	result     map[string]*client.Connection
	err        error
}

func newConnectionReader(api connectionLister) *connectionReader {
	return &connectionReader{api: api, now: time.Now}
}

// newConnections is the reader of the provider's data, through which its writes go too.
func newConnections(api connectionsAPI) *connectionReader {
	r := newConnectionReader(api)
	r.writes = api
	return r
}

// Create POSTs a new connection (see client.ConnectionsService.Create).
func (r *connectionReader) Create(ctx context.Context, doc *client.Connection) (*client.Connection, error) {
	defer r.invalidate()
	return r.writes.Create(ctx, doc)
}

// Replace PUTs a connection's whole document.
func (r *connectionReader) Replace(ctx context.Context, id string, doc *client.Connection) (*client.Connection, error) {
	defer r.invalidate()
	return r.writes.Replace(ctx, id, doc)
}

// Delete deletes a connection.
func (r *connectionReader) Delete(ctx context.Context, id string) error {
	defer r.invalidate()
	return r.writes.Delete(ctx, id)
}

// Ping runs integrator.io's test of a saved connection, which may set or clear its offline flag.
func (r *connectionReader) Ping(ctx context.Context, id string) error {
	defer r.invalidate()
	return r.writes.Ping(ctx, id)
}

// invalidate drops the snapshot; every write calls it.
func (r *connectionReader) invalidate() {
	r.mu.Lock()
	r.generation++
	r.snapshot = nil
	r.mu.Unlock()
}

// Get returns the connection with this id, or an error wrapping client.ErrNotFound.
func (r *connectionReader) Get(ctx context.Context, id string) (*client.Connection, error) {
	r.mu.Lock()
	if r.snapshot != nil && r.takenGen == r.generation && r.now().Sub(r.takenAt) < snapshotTTL {
		conn := take(r.snapshot, id)
		r.mu.Unlock()
		if conn != nil {
			return conn, nil
		}
		// Missing from a listing: confirm with a GET rather than trust paging.
		return r.api.Get(ctx, id)
	}
	r.active++
	alone := r.active == 1 && r.inflight == nil
	call := r.inflight
	if !alone && call == nil {
		call = &listCall{done: make(chan struct{}), generation: r.generation}
		r.inflight = call
		go r.list(call)
	}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.active--
		r.mu.Unlock()
	}()

	if alone {
		return r.api.Get(ctx, id)
	}
	select {
	case <-call.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	r.mu.Lock()
	stale := call.generation != r.generation
	var conn *client.Connection
	if call.err == nil && !stale {
		conn = take(call.result, id)
	}
	r.mu.Unlock()
	if conn == nil {
		// A failed listing should not fail every read, and one that started before a write of
		// this process may predate it: fall back to a single GET. So does an id the listing
		// lacks, or that another read took. A failure is said once: every read that waited on
		// this listing now costs a request of its own.
		if call.err != nil {
			call.warnOnce.Do(func() {
				tflog.Warn(ctx, "listing connections failed; each waiting read fetches its connection with a GET instead",
					map[string]any{"error": call.err.Error()})
			})
		}
		return r.api.Get(ctx, id)
	}
	return conn, nil
}

// list fetches every connection once for the reads waiting on call. It runs detached from any
// one read's context, so one cancelled read does not fail the others.
func (r *connectionReader) list(call *listCall) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conns, err := r.api.List(ctx)
	if err == nil {
		// Index the listed documents in place: a copy of each would double the memory a
		// listing of thousands takes while the index is built.
		call.result = map[string]*client.Connection{}
		for i := range conns {
			if c := &conns[i]; notPostgres(c) == "" {
				call.result[c.ID] = c
			}
		}
	}
	call.err = err

	r.mu.Lock()
	r.inflight = nil
	if err == nil && call.generation == r.generation {
		r.snapshot, r.takenAt, r.takenGen = call.result, r.now(), call.generation
	}
	r.mu.Unlock()
	close(call.done)
}

// take removes the document with this id from a snapshot (the caller holds r.mu) and returns it,
// or nil. The listed document itself is cleared, so what it held can be collected before the
// whole listing is.
func take(snapshot map[string]*client.Connection, id string) *client.Connection {
	listed, ok := snapshot[id]
	if !ok {
		return nil
	}
	delete(snapshot, id)
	conn := *listed
	*listed = client.Connection{}
	return &conn
}
