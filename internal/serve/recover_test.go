package serve

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// panicking is a framework server each of whose RPCs panics: the embedded interface is nil.
type panicking struct{ frameworkServer }

// TestServer_recoversPanics: a panic in any RPC, in the call or while its stream is read, reaches
// Terraform as an error naming the RPC, and the process goes on serving (the test binary would
// crash otherwise). Every RPC of Server is called, found by reflection.
func TestServer_recoversPanics(t *testing.T) {
	s := &Server{inner: panicking{}}
	v := reflect.ValueOf(s)
	called := 0
	for i := range v.NumMethod() {
		m := v.Type().Method(i)
		if m.Type.NumIn() != 3 || m.Type.In(1) != reflect.TypeFor[context.Context]() {
			continue
		}
		called++
		results := v.Method(i).Call([]reflect.Value{reflect.ValueOf(context.Background()), reflect.New(m.Type.In(2).Elem())})
		if err, _ := results[1].Interface().(error); err != nil {
			t.Errorf("%s: error %v; want the panic as the response's diagnostic", m.Name, err)
			continue
		}
		text := panicText(t, results[0].Interface())
		for _, want := range []string{"Panic in " + m.Name, "The integratorio provider panicked while serving " + m.Name, "nil pointer dereference", "recover_test.go"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the response lacks %q:\n%s", m.Name, want, text)
			}
		}
	}
	if called < 30 {
		t.Fatalf("called %d RPCs; Server serves more", called)
	}
}

// TestServer_recoversPanicsWhileStreaming: a stream that panics while it is read ends with an
// item carrying the error.
func TestServer_recoversPanicsWhileStreaming(t *testing.T) {
	s := &Server{inner: streamPanics{}}
	resp, err := s.ListResource(context.Background(), &tfprotov6.ListResourceRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var items []tfprotov6.ListResourceResult
	for r := range resp.Results {
		items = append(items, r)
	}
	if len(items) != 2 || items[0].DisplayName != "first" || len(items[1].Diagnostics) != 1 ||
		!strings.Contains(items[1].Diagnostics[0].Detail, "panicked while serving ListResource: halfway") {
		t.Errorf("items = %+v; want the first, then the panic's diagnostic", items)
	}
}

type streamPanics struct{ frameworkServer }

func (streamPanics) ListResource(context.Context, *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	return &tfprotov6.ListResourceServerStream{Results: func(yield func(tfprotov6.ListResourceResult) bool) {
		if !yield(tfprotov6.ListResourceResult{DisplayName: "first"}) {
			return
		}
		panic("halfway")
	}}, nil
}

// panicText is the summary and detail of the one diagnostic (or error text) resp carries.
func panicText(t *testing.T, resp any) string {
	t.Helper()
	var diags []*tfprotov6.Diagnostic
	switch r := resp.(type) {
	case *tfprotov6.StopProviderResponse:
		return r.Error
	case *tfprotov6.CallFunctionResponse:
		if r.Error == nil {
			return ""
		}
		return r.Error.Text
	case *tfprotov6.ListResourceServerStream:
		for item := range r.Results {
			diags = append(diags, item.Diagnostics...)
		}
	case *tfprotov6.InvokeActionServerStream:
		for e := range r.Events {
			if c, ok := e.Type.(tfprotov6.CompletedInvokeActionEventType); ok {
				diags = append(diags, c.Diagnostics...)
			}
		}
	case *tfprotov6.ReadStateBytesStream:
		for c := range r.Chunks {
			diags = append(diags, c.Diagnostics...)
		}
	default:
		f := reflect.ValueOf(resp).Elem().FieldByName("Diagnostics")
		if !f.IsValid() {
			t.Fatalf("%T has no Diagnostics", resp)
		}
		diags = f.Interface().([]*tfprotov6.Diagnostic)
	}
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError {
		t.Fatalf("%T carries %d diagnostics, want one error", resp, len(diags))
	}
	return diags[0].Summary + "\n" + diags[0].Detail
}
