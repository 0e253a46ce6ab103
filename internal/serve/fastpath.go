package serve

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// FastPathEnvVar set to "0" turns the refresh fast path off; it is on by default. Set to
// "verify", every call the fast path answers is also answered by the framework, whose answer is
// returned, with an error diagnostic when the two differ: how the acceptance suites' own traffic
// checks the fast path (make testacc, make testacc-tofu).
const FastPathEnvVar = "INTEGRATORIO_REFRESH_FAST_PATH"

// fastPath is a provider that answers some refresh calls itself, at the protocol level, with the
// answer the framework would give (the provider package's postgres_connection_refresh_fast_path.go,
// proven against the framework by its tests); false hands the call to the framework.
//
// FastPathScope is called once per Server: what it returns binds that server's scope to a call's
// context, and Server binds it to the context of its ConfigureProvider and of its fast calls. The
// provider keeps what Configure gave the framework in that scope, so a fast call answers with the
// configuration of its own server, as the framework does (it keeps each server's configured data
// apart), even when one provider value is served by several servers.
type fastPath interface {
	FastValidateResourceConfig(context.Context, *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, bool)
	FastUpgradeResourceState(context.Context, *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, bool)
	FastReadResource(context.Context, *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, bool)
	FastPlanResourceChange(context.Context, *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, bool)
	FastPathScope(verify bool) func(context.Context) context.Context
}

// fastCalls are the fast path's calls in flight, which StopProvider cancels as the framework
// cancels its own.
type fastCalls struct {
	mu      sync.Mutex
	next    int
	cancels map[int]context.CancelFunc
}

// begin derives a call's context that StopProvider cancels; end forgets it.
func (c *fastCalls) begin(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	c.mu.Lock()
	if c.cancels == nil {
		c.cancels = map[int]context.CancelFunc{}
	}
	id := c.next
	c.next++
	c.cancels[id] = cancel
	c.mu.Unlock()
	return ctx, func() {
		c.mu.Lock()
		delete(c.cancels, id)
		c.mu.Unlock()
		cancel()
	}
}

func (c *fastCalls) cancelAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cancel := range c.cancels {
		cancel()
	}
}

// useFastPath takes p's fast path unless FastPathEnvVar turns it off, when the provider has one.
func (s *Server) useFastPath(p any) {
	fp, ok := p.(fastPath)
	mode := os.Getenv(FastPathEnvVar)
	if !ok || mode == "0" || mode == "false" {
		return
	}
	s.fast = fp
	s.fastVerify = mode == "verify"
	s.fastScope = fp.FastPathScope(s.fastVerify)
}

// fastFirst is the fast path's answer to req, else the framework's (s.fast is not nil). While verifying, it is the
// framework's, with compare's diagnostics of where the fast path's answer differs.
func fastFirst[Req any, Resp any](s *Server, ctx context.Context, req Req, fast func(context.Context, Req) (Resp, bool),
	framework func(context.Context, Req) (Resp, error), compare func(fast, framework Resp)) (Resp, error) {
	fastCtx, end := s.fastCalls.begin(s.fastScope(ctx))
	resp, ok := fast(fastCtx, req)
	end()
	switch {
	case !ok:
		return framework(ctx, req)
	case s.fastVerify:
		want, err := framework(ctx, req)
		if err == nil {
			compare(resp, want)
		}
		return want, err
	}
	return resp, nil
}

func (s *Server) validateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	if s.fast == nil {
		return s.inner.ValidateResourceConfig(ctx, req)
	}
	return fastFirst(s, ctx, req, s.fast.FastValidateResourceConfig, s.inner.ValidateResourceConfig, func(fast, want *tfprotov6.ValidateResourceConfigResponse) {
		// The framework validates the attributes in Go's map order, so its diagnostics come in
		// any order: compared as a set.
		want.Diagnostics = append(want.Diagnostics, differences(field{"diagnostics", diagnosticSet(fast.Diagnostics), diagnosticSet(want.Diagnostics)})...)
	})
}

func (s *Server) upgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	if s.fast == nil {
		return s.inner.UpgradeResourceState(ctx, req)
	}
	return fastFirst(s, ctx, req, s.fast.FastUpgradeResourceState, s.inner.UpgradeResourceState, func(fast, want *tfprotov6.UpgradeResourceStateResponse) {
		state, _ := s.verifyTypes(ctx, req.TypeName)
		want.Diagnostics = append(want.Diagnostics, differences(valueField("upgraded state", state, fast.UpgradedState, want.UpgradedState),
			field{"diagnostics", fast.Diagnostics, want.Diagnostics})...)
	})
}

// diagnosticSet is diagnostics as a set: how many times each occurs, nil for none.
func diagnosticSet(diags []*tfprotov6.Diagnostic) map[string]int {
	if len(diags) == 0 {
		return nil
	}
	set := map[string]int{}
	for _, d := range diags {
		key := fmt.Sprintf("%v\x00%s\x00%s\x00%v", d.Severity, d.Summary, d.Detail, d.Attribute)
		set[key]++
	}
	return set
}

func (s *Server) readResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if s.fast == nil {
		return s.inner.ReadResource(ctx, req)
	}
	return fastFirst(s, ctx, req, s.fast.FastReadResource, s.inner.ReadResource, func(fast, want *tfprotov6.ReadResourceResponse) {
		state, identity := s.verifyTypes(ctx, req.TypeName)
		want.Diagnostics = append(want.Diagnostics, differences(
			valueField("new state", state, fast.NewState, want.NewState), identityField("new identity", identity, fast.NewIdentity, want.NewIdentity),
			field{"private state", fast.Private, want.Private}, field{"deferral", fast.Deferred, want.Deferred},
			field{"diagnostics", fast.Diagnostics, want.Diagnostics})...)
	})
}

func (s *Server) planResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if s.fast == nil {
		return s.inner.PlanResourceChange(ctx, req)
	}
	return fastFirst(s, ctx, req, s.fast.FastPlanResourceChange, s.inner.PlanResourceChange, func(fast, want *tfprotov6.PlanResourceChangeResponse) {
		state, identity := s.verifyTypes(ctx, req.TypeName)
		want.Diagnostics = append(want.Diagnostics, differences(
			valueField("planned state", state, fast.PlannedState, want.PlannedState),
			identityField("planned identity", identity, fast.PlannedIdentity, want.PlannedIdentity),
			field{"planned private state", fast.PlannedPrivate, want.PlannedPrivate}, field{"replacement paths", fast.RequiresReplace, want.RequiresReplace},
			field{"deferral", fast.Deferred, want.Deferred}, field{"diagnostics", fast.Diagnostics, want.Diagnostics})...)
	})
}

// verifyTypes are the value types of a resource type's state and identity, from the framework's
// schemas (nil when it has none).
func (s *Server) verifyTypes(ctx context.Context, typeName string) (state, identity tftypes.Type) {
	if schemas, err := s.inner.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{}); err == nil {
		if schema := schemas.ResourceSchemas[typeName]; schema != nil {
			state = schema.ValueType()
		}
	}
	if schemas, err := s.inner.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{}); err == nil {
		if schema := schemas.IdentitySchemas[typeName]; schema != nil {
			identity = schema.ValueType()
		}
	}
	return state, identity
}

// valueField compares two values as values: the framework's msgpack of a map lists its entries in
// Go's map order, so two encodings of one value need not be the same bytes. Where they differ it
// names the top-level attributes that do.
func valueField(name string, typ tftypes.Type, fast, want *tfprotov6.DynamicValue) field {
	if fast == nil || want == nil || typ == nil {
		return field{name, fast, want}
	}
	a, errA := fast.Unmarshal(typ)
	b, errB := want.Unmarshal(typ)
	if errA != nil || errB != nil {
		return field{name, fast.MsgPack, want.MsgPack}
	}
	if a.Equal(b) {
		return field{name: name}
	}
	var attrsA, attrsB map[string]tftypes.Value
	if a.As(&attrsA) != nil || b.As(&attrsB) != nil {
		return field{name, a, b}
	}
	var differ []string
	for k, v := range attrsB {
		if w, ok := attrsA[k]; !ok || !w.Equal(v) {
			differ = append(differ, k)
		}
	}
	sort.Strings(differ)
	return field{name: name + " (" + strings.Join(differ, ", ") + ")", fast: true, want: false}
}

func identityField(name string, typ tftypes.Type, fast, want *tfprotov6.ResourceIdentityData) field {
	if fast == nil || want == nil {
		return field{name, fast, want}
	}
	return valueField(name, typ, fast.IdentityData, want.IdentityData)
}

// field is one part of an answer, from the fast path and from the framework.
type field struct {
	name       string
	fast, want any
}

// differences is an error diagnostic naming the parts of an answer where the fast path differs
// from the framework, or nothing. It names them only: values may hold secrets.
func differences(fields ...field) []*tfprotov6.Diagnostic {
	var differ []string
	for _, f := range fields {
		if !reflect.DeepEqual(f.fast, f.want) {
			differ = append(differ, f.name)
		}
	}
	if len(differ) == 0 {
		return nil
	}
	return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: "Refresh Fast Path Differs From the Framework",
		Detail: "The provider's refresh fast path answered this call otherwise than the plugin framework: " + strings.Join(differ, ", ") +
			". This is always an error in the provider; please report it, and set " + FastPathEnvVar + "=0 to work around it."}}
}
