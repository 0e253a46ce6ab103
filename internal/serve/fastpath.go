package serve

import (
	"context"
	"os"
	"reflect"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// FastPathEnvVar set to "0" turns the refresh fast path off: every call goes to the framework.
// Set to "verify", every call the fast path answers is also answered by the framework, whose
// answer is returned, with an error diagnostic when the two differ: how the acceptance suite's
// own traffic checks the fast path (make testacc-tofu).
const FastPathEnvVar = "INTEGRATORIO_REFRESH_FAST_PATH"

// fastPath is a provider that answers some refresh calls itself, at the protocol level, with the
// answer the framework would give (the provider package's refresh_fast_path.go, proven against
// the framework by its tests); false hands the call to the framework.
type fastPath interface {
	FastReadResource(context.Context, *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, bool)
	FastPlanResourceChange(context.Context, *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, bool)
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

// useFastPath takes p's fast path, unless the provider has none or FastPathEnvVar turns it off.
func (s *Server) useFastPath(p any) {
	fp, ok := p.(fastPath)
	mode := os.Getenv(FastPathEnvVar)
	if !ok || mode == "0" {
		return
	}
	s.fast = fp
	if verifier, ok := p.(interface{ VerifyFastPath() }); ok && mode == "verify" {
		verifier.VerifyFastPath()
		s.fastVerify = true
	}
}

// fastFirst is the fast path's answer to req, else the framework's (s.fast is not nil). While verifying, it is the
// framework's, with compare's diagnostics of where the fast path's answer differs.
func fastFirst[Req any, Resp any](s *Server, ctx context.Context, req Req, fast func(context.Context, Req) (Resp, bool),
	framework func(context.Context, Req) (Resp, error), compare func(fast, framework Resp)) (Resp, error) {
	fastCtx, end := s.fastCalls.begin(ctx)
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

func (s *Server) readResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if s.fast == nil {
		return s.inner.ReadResource(ctx, req)
	}
	return fastFirst(s, ctx, req, s.fast.FastReadResource, s.inner.ReadResource, func(fast, want *tfprotov6.ReadResourceResponse) {
		want.Diagnostics = append(want.Diagnostics, differences(
			field{"new state", fast.NewState, want.NewState}, field{"new identity", fast.NewIdentity, want.NewIdentity},
			field{"private state", fast.Private, want.Private}, field{"deferral", fast.Deferred, want.Deferred},
			field{"diagnostics", fast.Diagnostics, want.Diagnostics})...)
	})
}

func (s *Server) planResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if s.fast == nil {
		return s.inner.PlanResourceChange(ctx, req)
	}
	return fastFirst(s, ctx, req, s.fast.FastPlanResourceChange, s.inner.PlanResourceChange, func(fast, want *tfprotov6.PlanResourceChangeResponse) {
		want.Diagnostics = append(want.Diagnostics, differences(
			field{"planned state", fast.PlannedState, want.PlannedState}, field{"planned identity", fast.PlannedIdentity, want.PlannedIdentity},
			field{"planned private state", fast.PlannedPrivate, want.PlannedPrivate}, field{"replacement paths", fast.RequiresReplace, want.RequiresReplace},
			field{"deferral", fast.Deferred, want.Deferred}, field{"diagnostics", fast.Diagnostics, want.Diagnostics})...)
	})
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
