// Package serve serves the provider to Terraform: the plugin framework's protocol 6 server behind
// Server, which keeps the framework from holding on to every finished call, and the process-wide
// settings (logging, garbage collection) a provider process starts with.
package serve

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// Address is the provider's registry address.
const Address = "registry.terraform.io/integratorio/integratorio"

// Provider serves p to Terraform until Terraform stops it. With debug, it prints the
// TF_REATTACH_PROVIDERS value for a debugger instead (tf6server.WithManagedDebug).
func Provider(p func() provider.Provider, debug bool) error {
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	return tf6server.Serve(Address, func() tfprotov6.ProviderServer { return New(p()) }, opts...)
}

// Factory is New for terraform-plugin-testing's ProtoV6ProviderFactories.
func Factory(p provider.Provider) func() (tfprotov6.ProviderServer, error) {
	return func() (tfprotov6.ProviderServer, error) { return New(p), nil }
}

// New is the framework's server for p, behind Server.
func New(p provider.Provider) *Server {
	inner, ok := providerserver.NewProtocol6(p)().(frameworkServer)
	if !ok {
		// Only an upgrade of the framework that drops an RPC can get here; TestServer_coversTheFramework
		// fails first.
		panic("serve: the plugin framework's server no longer serves every RPC that Server wraps")
	}
	s := &Server{inner: inner}
	s.useFastPath(p)
	return s
}

// frameworkServer is every RPC terraform-plugin-framework serves: tfprotov6.ProviderServer and
// the interfaces terraform-plugin-go still keeps apart from it.
type frameworkServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
	tfprotov6.StateStoreServer
}

// Server hands every call to the framework's server with a context of its own, released when the
// call returns (for a stream: when the stream has been read).
//
// Why: terraform-plugin-framework v1.19 (internal/proto6server/serve.go) derives each call's
// context with context.WithCancel and appends the cancel function to Server.contextCancels, which
// only StopProvider empties. Every finished call's context, with its gRPC stream and loggers
// (about 12 KB), so stays reachable for the life of the process: memory grew with the number of
// resources (170 MiB for a plan of 2,000) and the garbage collector took a third of a refresh's
// CPU. With the released context the framework keeps a few hundred bytes a call; those are let go
// too, since whenever no call is in flight and recycleAfter calls have ended, Server empties the
// framework's list through its StopProvider, which then cancels only finished calls (v1.19's
// StopProvider does nothing else). TestServer_frameworkStillKeepsFinishedCalls fails once the
// framework lets go by itself: then Server can go.
type Server struct {
	inner frameworkServer

	// inFlight is held for reading by every call until its release, and taken for writing only
	// to recycle, which therefore never overlaps a call.
	inFlight sync.RWMutex
	ended    atomic.Int64 // calls ended since the framework's list was last emptied

	fast       fastPath                              // the provider's refresh fast path (fastpath.go); nil when off
	fastVerify bool                                  // answer from the framework, and compare (FastPathEnvVar=verify)
	fastScope  func(context.Context) context.Context // binds this server's fast path scope (fastPath)
	fastCalls  fastCalls
}

// recycleAfter is how many ended calls the framework may hold before Server empties its list:
// about 300 bytes each.
const recycleAfter = 256

var _ frameworkServer = (*Server)(nil)

// begin starts one call: a context of its own and the function that ends the call.
func (s *Server) begin(ctx context.Context) (context.Context, func()) {
	s.inFlight.RLock()
	callCtx, releaseContext := callContext(ctx)
	var once sync.Once
	return callCtx, func() {
		once.Do(func() {
			releaseContext()
			s.inFlight.RUnlock()
			if s.ended.Add(1) >= recycleAfter {
				s.recycle()
			}
		})
	}
}

// recycle empties the framework's list of call contexts if no call is in flight; otherwise a
// later call's end tries again.
func (s *Server) recycle() {
	if !s.inFlight.TryLock() {
		return
	}
	defer s.inFlight.Unlock()
	s.ended.Store(0)
	_, _ = s.inner.StopProvider(context.Background(), &tfprotov6.StopProviderRequest{})
}

// call runs one call of inner with a context released when it returns. A panic becomes the
// response's error diagnostic (recoveredResponse), so the process goes on serving.
func call[Req, Resp any](s *Server, ctx context.Context, req Req, rpc func(context.Context, Req) (Resp, error)) (resp Resp, err error) {
	callCtx, end := s.begin(ctx)
	defer end()
	defer func() {
		if v := recover(); v != nil {
			resp, err = recoveredResponse[Resp](panicDiagnostic(ctx, rpcName(rpc), v))
		}
	}()
	return rpc(callCtx, req)
}

// stream runs one streaming call of inner; it ends once the stream has been read, or when the
// original context ends if it never is. A panic in the call becomes the stream failed gives; one
// while the stream is read, its last item (wrap's panicked).
func stream[Req, Resp any](s *Server, ctx context.Context, req Req, rpc func(context.Context, Req) (*Resp, error),
	wrap func(resp *Resp, release func(), panicked func(v any) *tfprotov6.Diagnostic), failed func(*tfprotov6.Diagnostic) *Resp,
) (resp *Resp, err error) {
	callCtx, end := s.begin(ctx)
	context.AfterFunc(ctx, end)
	name := rpcName(rpc)
	defer func() {
		if v := recover(); v != nil {
			end()
			resp, err = failed(panicDiagnostic(ctx, name, v)), nil
		}
	}()
	resp, err = rpc(callCtx, req)
	if err != nil || resp == nil {
		end()
		return resp, err
	}
	wrap(resp, end, func(v any) *tfprotov6.Diagnostic { return panicDiagnostic(ctx, name, v) })
	return resp, nil
}

func (s *Server) GetMetadata(ctx context.Context, req *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	return call(s, ctx, req, s.inner.GetMetadata)
}

func (s *Server) GetProviderSchema(ctx context.Context, req *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return call(s, ctx, req, s.inner.GetProviderSchema)
}

func (s *Server) GetResourceIdentitySchemas(ctx context.Context, req *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return call(s, ctx, req, s.inner.GetResourceIdentitySchemas)
}

func (s *Server) ValidateProviderConfig(ctx context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return call(s, ctx, req, s.inner.ValidateProviderConfig)
}

func (s *Server) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	if s.fast != nil {
		ctx = s.fastScope(ctx) // what Configure gives the framework, the fast path gets too
	}
	return call(s, ctx, req, s.inner.ConfigureProvider)
}

// StopProvider reaches the framework, which cancels the calls in flight through the contexts it
// derived from theirs.
func (s *Server) StopProvider(ctx context.Context, req *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	s.fastCalls.cancelAll()
	return call(s, ctx, req, s.inner.StopProvider)
}

func (s *Server) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return call(s, ctx, req, s.validateResourceConfig)
}

func (s *Server) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return call(s, ctx, req, s.upgradeResourceState)
}

func (s *Server) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return call(s, ctx, req, s.readResource)
}

func (s *Server) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return call(s, ctx, req, s.planResourceChange)
}

func (s *Server) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return call(s, ctx, req, s.inner.ApplyResourceChange)
}

func (s *Server) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return call(s, ctx, req, s.inner.ImportResourceState)
}

func (s *Server) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return call(s, ctx, req, s.inner.MoveResourceState)
}

func (s *Server) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return call(s, ctx, req, s.inner.UpgradeResourceIdentity)
}

func (s *Server) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return call(s, ctx, req, s.inner.GenerateResourceConfig)
}

func (s *Server) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return call(s, ctx, req, s.inner.ValidateDataResourceConfig)
}

func (s *Server) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return call(s, ctx, req, s.inner.ReadDataSource)
}

func (s *Server) GetFunctions(ctx context.Context, req *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return call(s, ctx, req, s.inner.GetFunctions)
}

func (s *Server) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return call(s, ctx, req, s.inner.CallFunction)
}

func (s *Server) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return call(s, ctx, req, s.inner.ValidateEphemeralResourceConfig)
}

func (s *Server) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return call(s, ctx, req, s.inner.OpenEphemeralResource)
}

func (s *Server) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return call(s, ctx, req, s.inner.RenewEphemeralResource)
}

func (s *Server) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return call(s, ctx, req, s.inner.CloseEphemeralResource)
}

func (s *Server) ValidateListResourceConfig(ctx context.Context, req *tfprotov6.ValidateListResourceConfigRequest) (*tfprotov6.ValidateListResourceConfigResponse, error) {
	return call(s, ctx, req, s.inner.ValidateListResourceConfig)
}

func (s *Server) ListResource(ctx context.Context, req *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	return stream(s, ctx, req, s.inner.ListResource, func(resp *tfprotov6.ListResourceServerStream, release func(), panicked func(any) *tfprotov6.Diagnostic) {
		resp.Results = releaseAfter(resp.Results, release, func(v any) tfprotov6.ListResourceResult {
			return tfprotov6.ListResourceResult{Diagnostics: []*tfprotov6.Diagnostic{panicked(v)}}
		})
	}, func(d *tfprotov6.Diagnostic) *tfprotov6.ListResourceServerStream {
		return &tfprotov6.ListResourceServerStream{Results: one(tfprotov6.ListResourceResult{Diagnostics: []*tfprotov6.Diagnostic{d}})}
	})
}

func (s *Server) ValidateActionConfig(ctx context.Context, req *tfprotov6.ValidateActionConfigRequest) (*tfprotov6.ValidateActionConfigResponse, error) {
	return call(s, ctx, req, s.inner.ValidateActionConfig)
}

func (s *Server) PlanAction(ctx context.Context, req *tfprotov6.PlanActionRequest) (*tfprotov6.PlanActionResponse, error) {
	return call(s, ctx, req, s.inner.PlanAction)
}

func (s *Server) InvokeAction(ctx context.Context, req *tfprotov6.InvokeActionRequest) (*tfprotov6.InvokeActionServerStream, error) {
	completed := func(d *tfprotov6.Diagnostic) tfprotov6.InvokeActionEvent {
		return tfprotov6.InvokeActionEvent{Type: tfprotov6.CompletedInvokeActionEventType{Diagnostics: []*tfprotov6.Diagnostic{d}}}
	}
	return stream(s, ctx, req, s.inner.InvokeAction, func(resp *tfprotov6.InvokeActionServerStream, release func(), panicked func(any) *tfprotov6.Diagnostic) {
		resp.Events = releaseAfter(resp.Events, release, func(v any) tfprotov6.InvokeActionEvent { return completed(panicked(v)) })
	}, func(d *tfprotov6.Diagnostic) *tfprotov6.InvokeActionServerStream {
		return &tfprotov6.InvokeActionServerStream{Events: one(completed(d))}
	})
}

func (s *Server) ValidateStateStoreConfig(ctx context.Context, req *tfprotov6.ValidateStateStoreConfigRequest) (*tfprotov6.ValidateStateStoreConfigResponse, error) {
	return call(s, ctx, req, s.inner.ValidateStateStoreConfig)
}

func (s *Server) ConfigureStateStore(ctx context.Context, req *tfprotov6.ConfigureStateStoreRequest) (*tfprotov6.ConfigureStateStoreResponse, error) {
	return call(s, ctx, req, s.inner.ConfigureStateStore)
}

func (s *Server) ReadStateBytes(ctx context.Context, req *tfprotov6.ReadStateBytesRequest) (*tfprotov6.ReadStateBytesStream, error) {
	return stream(s, ctx, req, s.inner.ReadStateBytes, func(resp *tfprotov6.ReadStateBytesStream, release func(), panicked func(any) *tfprotov6.Diagnostic) {
		resp.Chunks = releaseAfter(resp.Chunks, release, func(v any) tfprotov6.ReadStateByteChunk {
			return tfprotov6.ReadStateByteChunk{Diagnostics: []*tfprotov6.Diagnostic{panicked(v)}}
		})
	}, func(d *tfprotov6.Diagnostic) *tfprotov6.ReadStateBytesStream {
		return &tfprotov6.ReadStateBytesStream{Chunks: one(tfprotov6.ReadStateByteChunk{Diagnostics: []*tfprotov6.Diagnostic{d}})}
	})
}

// WriteStateBytes reads its request stream during the call, so the call's end is the stream's.
func (s *Server) WriteStateBytes(ctx context.Context, req *tfprotov6.WriteStateBytesStream) (*tfprotov6.WriteStateBytesResponse, error) {
	return call(s, ctx, req, s.inner.WriteStateBytes)
}

func (s *Server) GetStates(ctx context.Context, req *tfprotov6.GetStatesRequest) (*tfprotov6.GetStatesResponse, error) {
	return call(s, ctx, req, s.inner.GetStates)
}

func (s *Server) DeleteState(ctx context.Context, req *tfprotov6.DeleteStateRequest) (*tfprotov6.DeleteStateResponse, error) {
	return call(s, ctx, req, s.inner.DeleteState)
}

func (s *Server) LockState(ctx context.Context, req *tfprotov6.LockStateRequest) (*tfprotov6.LockStateResponse, error) {
	return call(s, ctx, req, s.inner.LockState)
}

func (s *Server) UnlockState(ctx context.Context, req *tfprotov6.UnlockStateRequest) (*tfprotov6.UnlockStateResponse, error) {
	return call(s, ctx, req, s.inner.UnlockState)
}
