package serve

import (
	"context"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"weak"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/integratorio/terraform-provider-integratorio/internal/provider"
)

// TestServer_coversTheFramework fails when the framework's server gains an RPC that Server does not
// wrap: terraform-plugin-go finds optional RPCs by type assertion, so a missing method would not
// fail the build but silently turn the RPC off.
func TestServer_coversTheFramework(t *testing.T) {
	framework := reflect.TypeOf(providerserver.NewProtocol6(provider.New("test")())())
	if missing := unwrapped(framework, reflect.TypeFor[*Server]()); len(missing) > 0 {
		t.Errorf("serve.Server does not wrap these RPCs of the framework's server: %v", missing)
	}
}

func TestUnwrapped_findsNewAndChangedMethods(t *testing.T) {
	got := unwrapped(reflect.TypeFor[*newerFramework](), reflect.TypeFor[*Server]())
	want := []string{"GetMetadata(context.Context, string) (string, error)", "NewRPC(context.Context, *int) (*int, error)"}
	if !slices.Equal(got, want) {
		t.Errorf("unwrapped = %q, want %q", got, want)
	}
}

// newerFramework stands for a later framework: one RPC changed, one added.
type newerFramework struct{}

func (*newerFramework) GetMetadata(context.Context, string) (string, error) { return "", nil }
func (*newerFramework) NewRPC(context.Context, *int) (*int, error)          { return nil, nil }
func (*newerFramework) ReadResource(context.Context, *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return nil, nil
}

// unwrapped lists the methods of framework that ours lacks or has with another signature.
func unwrapped(framework, ours reflect.Type) []string {
	var out []string
	for i := range framework.NumMethod() {
		want := framework.Method(i)
		got, ok := ours.MethodByName(want.Name)
		if !ok || signature(got) != signature(want) {
			out = append(out, want.Name+signature(want))
		}
	}
	return out
}

// signature is a method's parameters and results, without its receiver.
func signature(m reflect.Method) string {
	var in, out []string
	for i := 1; i < m.Type.NumIn(); i++ {
		in = append(in, m.Type.In(i).String())
	}
	for i := range m.Type.NumOut() {
		out = append(out, m.Type.Out(i).String())
	}
	return "(" + strings.Join(in, ", ") + ") (" + strings.Join(out, ", ") + ")"
}

// payloadKey marks the value standing for what a call's context holds (its gRPC stream, loggers).
type payloadKey struct{}

// callEveryRPC calls every method of server but StopProvider (which empties the framework's list)
// once with a context holding a fresh payload, and returns a weak pointer to each payload by
// method name. Requests are empty: many calls fail (some panic, which is recovered), which is
// enough, since the framework registers each call's context first.
func callEveryRPC(t *testing.T, server any) map[string]weak.Pointer[[4096]byte] {
	t.Helper()
	v := reflect.ValueOf(server)
	out := map[string]weak.Pointer[[4096]byte]{}
	for i := range v.NumMethod() {
		m := v.Type().Method(i)
		if m.Name == "StopProvider" || m.Type.NumIn() != 3 || m.Type.In(1) != reflect.TypeFor[context.Context]() {
			continue
		}
		payload := new([4096]byte)
		out[m.Name] = weak.Make(payload)
		ctx, cancel := context.WithCancel(context.WithValue(context.Background(), payloadKey{}, payload))
		func() {
			defer func() { _ = recover() }()
			results := v.Method(i).Call([]reflect.Value{reflect.ValueOf(ctx), reflect.New(m.Type.In(2).Elem())})
			drainStream(results[0])
		}()
		cancel()
	}
	return out
}

// drainStream reads a streaming response to its end, as terraform-plugin-go does.
func drainStream(resp reflect.Value) {
	if resp.Kind() != reflect.Pointer || resp.IsNil() {
		return
	}
	switch r := resp.Interface().(type) {
	case *tfprotov6.ListResourceServerStream:
		for range r.Results {
		}
	case *tfprotov6.InvokeActionServerStream:
		for range r.Events {
		}
	case *tfprotov6.ReadStateBytesStream:
		for range r.Chunks {
		}
	}
}

// reachable returns the methods whose call's payload is still reachable after a collection.
func reachable(payloads map[string]weak.Pointer[[4096]byte]) []string {
	runtime.GC()
	runtime.GC()
	var out []string
	for name, p := range payloads {
		if p.Value() != nil {
			out = append(out, name)
		}
	}
	return out
}

func TestServer_releasesFinishedCalls(t *testing.T) {
	server := New(provider.New("test")())
	payloads := callEveryRPC(t, server)
	if len(payloads) < 30 {
		t.Fatalf("called %d RPCs; the framework serves more", len(payloads))
	}
	if kept := reachable(payloads); len(kept) > 0 {
		t.Errorf("after these calls returned, their contexts are still reachable through the server: %v", kept)
	}
	runtime.KeepAlive(server)
}

// TestServer_frameworkStillKeepsFinishedCalls shows the framework bug Server works around. When it
// fails, the framework lets go of finished calls by itself, and Server can be removed.
func TestServer_frameworkStillKeepsFinishedCalls(t *testing.T) {
	framework := providerserver.NewProtocol6(provider.New("test")())()
	payloads := callEveryRPC(t, framework)
	if kept := reachable(payloads); len(kept) < len(payloads) {
		t.Errorf("the framework's own server kept the contexts of only %d of %d finished calls (%v): "+
			"it no longer keeps every call's context, so serve.Server may no longer be needed", len(kept), len(payloads), kept)
	}
	runtime.KeepAlive(framework)
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// retainedPerCall is the live heap each of many finished calls leaves behind in server.
func retainedPerCall(server tfprotov6.ProviderServer) float64 {
	const calls = 20000
	before := heapInUse()
	for range calls {
		ctx, cancel := context.WithCancel(context.Background())
		_, _ = server.GetMetadata(ctx, &tfprotov6.GetMetadataRequest{})
		cancel()
	}
	after := heapInUse()
	runtime.KeepAlive(server)
	return (float64(after) - float64(before)) / calls
}

// TestServer_memoryFlatInTheNumberOfCalls: the framework alone keeps about 600 bytes of every
// finished call even with nothing in its context (12 KB with a gRPC stream's); behind Server,
// nothing grows.
func TestServer_memoryFlatInTheNumberOfCalls(t *testing.T) {
	framework := retainedPerCall(providerserver.NewProtocol6(provider.New("test")())())
	ours := retainedPerCall(New(provider.New("test")()))
	t.Logf("live heap left per finished call: framework %.0f bytes, behind serve.Server %.0f bytes", framework, ours)
	if ours > 20 {
		t.Errorf("behind serve.Server each finished call still leaves %.0f bytes", ours)
	}
	if framework < 200 {
		t.Errorf("the framework alone leaves %.0f bytes per call: it may no longer keep finished calls", framework)
	}
}

// slowKey marks the context of the call blockingServer holds.
type slowKey struct{}

// blockingServer is a framework server whose GetMetadata waits for proceed when its context
// holds slowKey, and which counts StopProvider calls. Its other methods are never called.
type blockingServer struct {
	frameworkServer
	entered chan struct{}
	proceed chan struct{}
	stops   atomic.Int64
}

func (b *blockingServer) GetMetadata(ctx context.Context, _ *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	if ctx.Value(slowKey{}) != nil {
		close(b.entered)
		select {
		case <-b.proceed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return &tfprotov6.GetMetadataResponse{}, nil
}

func (b *blockingServer) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	b.stops.Add(1)
	return &tfprotov6.StopProviderResponse{}, nil
}

// TestServer_recyclesOnlyWhenIdle: emptying the framework's list cancels every context on it,
// so it must never happen while a call is in flight.
func TestServer_recyclesOnlyWhenIdle(t *testing.T) {
	inner := &blockingServer{entered: make(chan struct{}), proceed: make(chan struct{})}
	s := &Server{inner: inner}
	slow := make(chan error, 1)
	go func() {
		_, err := s.GetMetadata(context.WithValue(context.Background(), slowKey{}, true), nil)
		slow <- err
	}()
	<-inner.entered
	for range 2 * recycleAfter { // calls that end while the slow one is in flight
		if _, err := s.GetMetadata(context.Background(), &tfprotov6.GetMetadataRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := inner.stops.Load(); n != 0 {
		t.Fatalf("the framework's list was emptied %d times while a call was in flight", n)
	}
	close(inner.proceed)
	if err := <-slow; err != nil {
		t.Fatalf("the call in flight failed: %v", err)
	}
	if n := inner.stops.Load(); n != 1 {
		t.Errorf("once no call was in flight, the framework's list was emptied %d times, want 1", n)
	}
}
