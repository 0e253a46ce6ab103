package serve

import (
	"context"
	"os"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// FastPathEnvVar set to "0" turns the refresh fast path off: every call goes to the framework.
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

// fastPathOf is p's fast path, unless the provider has none or FastPathEnvVar turns it off.
func fastPathOf(p any) fastPath {
	fp, ok := p.(fastPath)
	if !ok || os.Getenv(FastPathEnvVar) == "0" {
		return nil
	}
	return fp
}

// readResource is the fast path's answer, else the framework's.
func (s *Server) readResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if s.fast != nil {
		fastCtx, end := s.fastCalls.begin(ctx)
		resp, ok := s.fast.FastReadResource(fastCtx, req)
		end()
		if ok {
			return resp, nil
		}
	}
	return s.inner.ReadResource(ctx, req)
}

// planResourceChange is the fast path's answer, else the framework's.
func (s *Server) planResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if s.fast != nil {
		fastCtx, end := s.fastCalls.begin(ctx)
		resp, ok := s.fast.FastPlanResourceChange(fastCtx, req)
		end()
		if ok {
			return resp, nil
		}
	}
	return s.inner.PlanResourceChange(ctx, req)
}
