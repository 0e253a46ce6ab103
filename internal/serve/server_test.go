package serve

import (
	"context"
	"reflect"
	"runtime"
	"slices"
	"strings"
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
