package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// fakeLister counts calls; list blocks until release is closed so tests control overlap.
type fakeLister struct {
	mu      sync.Mutex
	conns   map[string]client.Connection
	gets    atomic.Int32
	lists   atomic.Int32
	release chan struct{}
}

func newFakeLister(n int) *fakeLister {
	f := &fakeLister{conns: map[string]client.Connection{}, release: make(chan struct{})}
	for i := range n {
		id := fmt.Sprintf("%024x", i)
		f.conns[id] = client.Connection{ID: id, Name: "c" + id, Type: client.ConnectionTypeRDBMS, RDBMS: &client.RDBMS{Type: client.RDBMSTypePostgreSQL}}
	}
	return f
}

func (f *fakeLister) List(ctx context.Context) ([]client.Connection, error) {
	f.lists.Add(1)
	<-f.release
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]client.Connection, 0, len(f.conns))
	for _, c := range f.conns {
		out = append(out, c)
	}
	return out, nil
}

func (f *fakeLister) Get(_ context.Context, id string) (*client.Connection, error) {
	f.gets.Add(1)
	<-f.release
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.conns[id]
	if !ok {
		return nil, &client.APIError{StatusCode: 404, Code: "not_found"}
	}
	return &c, nil
}

func TestConnectionReader_LoneReadCostsOneGet(t *testing.T) {
	t.Parallel()
	f := newFakeLister(5000)
	close(f.release)
	r := newConnectionReader(f)
	if _, err := r.Get(t.Context(), fmt.Sprintf("%024x", 7)); err != nil {
		t.Fatal(err)
	}
	if f.gets.Load() != 1 || f.lists.Load() != 0 {
		t.Fatalf("gets=%d lists=%d, want 1 GET and no listing", f.gets.Load(), f.lists.Load())
	}
}

func TestConnectionReader_ConcurrentReadsShareOneListing(t *testing.T) {
	t.Parallel()
	const n = 500
	f := newFakeLister(n)
	r := newConnectionReader(f)

	// Ten reads arrive together, as under terraform -parallelism=10: the first goes out as a
	// GET, the others share one listing. Both are held open until all ten have arrived.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.Get(t.Context(), fmt.Sprintf("%024x", i))
			errs <- err
		}()
	}
	for f.lists.Load() == 0 || f.gets.Load() == 0 {
		runtime.Gosched()
	}
	close(f.release)
	wg.Wait()
	for i := 10; i < n; i++ {
		if _, err := r.Get(t.Context(), fmt.Sprintf("%024x", i)); err != nil {
			t.Fatal(err)
		}
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	total := f.gets.Load() + f.lists.Load()
	if float64(total)/n > 0.05 {
		t.Fatalf("%d reads cost %d GETs and %d listings; want at most 0.05 requests per read", n, f.gets.Load(), f.lists.Load())
	}
}

// fakeWriter is a connectionsAPI whose writes succeed without doing anything.
type fakeWriter struct{ *fakeLister }

func (fakeWriter) Create(_ context.Context, doc *client.Connection) (*client.Connection, error) {
	return doc, nil
}

func (fakeWriter) Replace(_ context.Context, _ string, doc *client.Connection) (*client.Connection, error) {
	return doc, nil
}
func (fakeWriter) Delete(context.Context, string) error { return nil }
func (fakeWriter) Ping(context.Context, string) error   { return nil }

// Every write goes through the reader and drops its snapshot: a read after any of them is never
// answered from a listing taken before it.
func TestConnectionReader_WriteInvalidatesSnapshot(t *testing.T) {
	t.Parallel()
	id := fmt.Sprintf("%024x", 1)
	for name, write := range map[string]func(*connectionReader) error{
		"create": func(r *connectionReader) error { _, err := r.Create(t.Context(), &client.Connection{}); return err },
		"replace": func(r *connectionReader) error {
			_, err := r.Replace(t.Context(), id, &client.Connection{})
			return err
		},
		"delete": func(r *connectionReader) error { return r.Delete(t.Context(), id) },
		"test":   func(r *connectionReader) error { return r.Ping(t.Context(), id) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFakeLister(3)
			close(f.release)
			r := newConnections(fakeWriter{f})
			r.snapshot = map[string]*client.Connection{id: {Name: "stale"}}
			r.takenAt, r.takenGen = r.now(), r.generation
			if err := write(r); err != nil {
				t.Fatal(err)
			}
			got, err := r.Get(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name == "stale" {
				t.Fatal("a read after a write was answered from the snapshot taken before it")
			}
		})
	}
}

func TestConnectionReader_MissingFromListingIsConfirmedWithGet(t *testing.T) {
	t.Parallel()
	f := newFakeLister(2)
	close(f.release)
	r := newConnectionReader(f)
	r.snapshot, r.takenAt = map[string]*client.Connection{}, r.now()
	_, err := r.Get(t.Context(), fmt.Sprintf("%024x", 1))
	if err != nil {
		t.Fatalf("a connection missing from the snapshot but present remotely was reported as %v", err)
	}
	if _, err := r.Get(t.Context(), "ffffffffffffffffffffffff"); !isNotFound(err) {
		t.Fatalf("unknown id: got %v, want not found", err)
	}
}

// A read takes its document out of the snapshot: a refresh reads each resource once, so what the
// listing held goes as the refresh goes. A second read of the same id asks the server.
func TestConnectionReader_ReadTakesItsDocument(t *testing.T) {
	t.Parallel()
	f := newFakeLister(2)
	close(f.release)
	r := newConnectionReader(f)
	id := fmt.Sprintf("%024x", 1)
	listed := &client.Connection{ID: id, Name: "listed"}
	r.snapshot, r.takenAt, r.takenGen = map[string]*client.Connection{id: listed}, r.now(), r.generation
	first, err := r.Get(t.Context(), id)
	if err != nil || first.Name != "listed" || f.gets.Load() != 0 {
		t.Fatalf("first read: got %v, %v after %d GETs; want the listed document and no GET", first, err, f.gets.Load())
	}
	if len(r.snapshot) != 0 || listed.Name != "" {
		t.Fatalf("after the read the snapshot holds %d documents and the listed one %q; want it taken and cleared", len(r.snapshot), listed.Name)
	}
	again, err := r.Get(t.Context(), id)
	if err != nil || again.Name != "c"+id || f.gets.Load() != 1 {
		t.Fatalf("second read: got %v, %v after %d GETs; want the server's document with one GET", again, err, f.gets.Load())
	}
}

// Only PostgreSQL connections are kept from a listing: an account's other connections (HTTP,
// NetSuite, ...) would only take memory. Reading one of them by id still works, with a GET.
func TestConnectionReader_SnapshotKeepsOnlyPostgreSQL(t *testing.T) {
	t.Parallel()
	f := newFakeLister(3)
	other := fmt.Sprintf("%024x", 99)
	f.conns[other] = client.Connection{ID: other, Name: "an HTTP connection", Type: "http"}
	mysql := fmt.Sprintf("%024x", 98)
	f.conns[mysql] = client.Connection{ID: mysql, Name: "a MySQL one", Type: client.ConnectionTypeRDBMS, RDBMS: &client.RDBMS{Type: "mysql"}}
	close(f.release)
	r := newConnectionReader(f)
	call := &listCall{done: make(chan struct{}), generation: r.generation}
	r.list(call)
	if call.err != nil || len(call.result) != 3 || call.result[other] != nil || call.result[mysql] != nil {
		t.Fatalf("snapshot of %d documents (err %v); want the 3 PostgreSQL ones only", len(call.result), call.err)
	}
	got, err := r.Get(t.Context(), other)
	if err != nil || got.Name != "an HTTP connection" || f.gets.Load() != 1 {
		t.Fatalf("read of the HTTP connection: %v, %v after %d GETs; want it read with one GET", got, err, f.gets.Load())
	}
}

// failingLister is a fakeLister whose listings fail.
type failingLister struct{ *fakeLister }

func (f failingLister) List(ctx context.Context) ([]client.Connection, error) {
	f.lists.Add(1)
	<-f.release
	return nil, errors.New("400 invalid_query_params")
}

// A failed listing is said once in the log, not silently paid for with one GET per read.
func TestConnectionReader_failedListingIsLoggedOnce(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(t.Context(), &logs)
	f := failingLister{newFakeLister(5)}
	r := newConnectionReader(f)
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			if _, err := r.Get(ctx, fmt.Sprintf("%024x", i)); err != nil {
				t.Error(err)
			}
		})
	}
	for f.lists.Load() == 0 {
		runtime.Gosched()
	}
	close(f.release)
	wg.Wait()
	// A listing started (the loop above waited for it), so at least one read fell back after it.
	if n := strings.Count(logs.String(), "listing connections failed"); n != 1 {
		t.Errorf("%d GETs after a failed listing logged %d warnings, want 1:\n%s", f.gets.Load(), n, logs.String())
	}
	if !strings.Contains(logs.String(), "400 invalid_query_params") {
		t.Errorf("the warning does not say why:\n%s", logs.String())
	}
}
