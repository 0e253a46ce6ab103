package serve

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// maxPanicStack bounds the stack trace a panic's diagnostic quotes: enough for the frames that
// name the bug, not a screenful of the gRPC server's.
const maxPanicStack = 4 << 10

// panicDiagnostic reports a panic of an RPC as Terraform shows an error: the provider process keeps
// serving, so one bug fails one operation instead of crashing Terraform's whole run (Terraform
// then reports "the plugin crashed" and every other resource's operation is lost). A panic's value
// is a runtime error or a message of this provider's own code; neither holds configuration values.
func panicDiagnostic(ctx context.Context, rpc string, v any) *tfprotov6.Diagnostic {
	stack := debug.Stack()
	if len(stack) > maxPanicStack {
		stack = append(stack[:maxPanicStack:maxPanicStack], "\n..."...)
	}
	tflog.Error(ctx, "the provider panicked", map[string]any{"rpc": rpc, "panic": fmt.Sprint(v), "stack": string(stack)})
	return &tfprotov6.Diagnostic{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  "Provider Bug: Panic in " + rpc,
		Detail: fmt.Sprintf("The integratorio provider panicked while serving %s: %v\n\nThis is a bug in the provider; "+
			"nothing more was done for this call, and other calls go on. Please report it with this message at "+
			"https://github.com/integratorio/terraform-provider-integratorio/issues. A create that was under way may "+
			"have reached integrator.io: run terraform plan to see.\n\n%s", rpc, v, stack),
	}
}

// recoveredResponse is Resp (a pointer to a response struct) carrying d: in its Diagnostics, or in
// its Error where the protocol has no diagnostics (StopProvider, CallFunction). A response type
// with neither gets an error, which terraform-plugin-go turns into a gRPC error.
func recoveredResponse[Resp any](d *tfprotov6.Diagnostic) (Resp, error) {
	var zero Resp
	t := reflect.TypeFor[Resp]()
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return zero, errors.New(d.Summary + ": " + d.Detail)
	}
	v := reflect.New(t.Elem())
	switch f := v.Elem().FieldByName("Diagnostics"); {
	case f.IsValid() && f.Type() == reflect.TypeFor[[]*tfprotov6.Diagnostic]():
		f.Set(reflect.ValueOf([]*tfprotov6.Diagnostic{d}))
	default:
		e := v.Elem().FieldByName("Error")
		switch {
		case e.IsValid() && e.Kind() == reflect.String:
			e.SetString(d.Summary + ": " + d.Detail)
		case e.IsValid() && e.Type() == reflect.TypeFor[*tfprotov6.FunctionError]():
			e.Set(reflect.ValueOf(&tfprotov6.FunctionError{Text: d.Summary + ": " + d.Detail}))
		default:
			return zero, errors.New(d.Summary + ": " + d.Detail)
		}
	}
	resp, _ := v.Interface().(Resp)
	return resp, nil
}

// rpcName is the RPC a method value of the framework's server serves: "ReadResource". Server's
// own unexported methods that serve an RPC (readResource, the fast path's) are named after it.
func rpcName(rpc any) string {
	name := runtime.FuncForPC(reflect.ValueOf(rpc).Pointer()).Name()
	name = strings.TrimSuffix(name, "-fm")
	name = name[strings.LastIndex(name, ".")+1:]
	return strings.ToUpper(name[:1]) + name[1:]
}
