package serve

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/integratorio/terraform-provider-integratorio/internal/provider"
)

// fakeFastPath is a provider whose fast path answers what answer says, or blocks until its
// context ends when block is set.
type fakeFastPath struct {
	fwprovider.Provider
	answer    bool
	block     chan struct{} // closed once the fast call is waiting
	stopped   chan error    // the fast call's context error
	verifying bool          // FastPathScope was asked to verify
}

func (f *fakeFastPath) FastPathScope(verify bool) func(context.Context) context.Context {
	f.verifying = verify
	return func(ctx context.Context) context.Context { return ctx }
}

func (f *fakeFastPath) FastReadResource(ctx context.Context, _ *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, bool) {
	if f.block != nil {
		close(f.block)
		<-ctx.Done()
		f.stopped <- ctx.Err()
	}
	return &tfprotov6.ReadResourceResponse{Private: []byte(`"fast"`)}, f.answer
}

func (f *fakeFastPath) FastPlanResourceChange(context.Context, *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, bool) {
	return &tfprotov6.PlanResourceChangeResponse{PlannedPrivate: []byte(`"fast"`)}, f.answer
}

func (f *fakeFastPath) FastValidateResourceConfig(context.Context, *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, bool) {
	return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: []*tfprotov6.Diagnostic{{Summary: "fast"}}}, f.answer
}

func (f *fakeFastPath) FastUpgradeResourceState(context.Context, *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, bool) {
	return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: []*tfprotov6.Diagnostic{{Summary: "fast"}}}, f.answer
}

// The real provider has a fast path with the signatures Server looks for (a change of one would
// silently turn it off), on by default; FastPathEnvVar=0 turns it off.
func TestServer_usesTheProvidersFastPath(t *testing.T) {
	for _, mode := range []string{"", "1", "verify"} {
		t.Setenv(FastPathEnvVar, mode)
		if New(provider.New("test")()).fast == nil {
			t.Fatalf("%s=%q: serve.New found no fast path on the provider: a Fast* method or FastPathScope changed signature", FastPathEnvVar, mode)
		}
	}
	t.Setenv(FastPathEnvVar, "0")
	off := New(&fakeFastPath{Provider: provider.New("test")(), answer: true})
	if off.fast != nil {
		t.Fatalf("%s=0: the fast path is on", FastPathEnvVar)
	}
	ctx := context.Background()
	read, err := off.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "integratorio_nothing"})
	if err != nil || len(read.Diagnostics) == 0 || read.Private != nil {
		t.Errorf("%s=0: ReadResource %+v, %v; want the framework's error", FastPathEnvVar, read, err)
	}
	plan, err := off.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: "integratorio_nothing"})
	if err != nil || len(plan.Diagnostics) == 0 || plan.PlannedPrivate != nil {
		t.Errorf("%s=0: PlanResourceChange %+v, %v; want the framework's error", FastPathEnvVar, plan, err)
	}
}

// A call the fast path answers never reaches the framework; one it declines does.
func TestServer_fastPathFirstThenTheFramework(t *testing.T) {
	t.Setenv(FastPathEnvVar, "1")
	ctx := context.Background()
	for _, answer := range []bool{true, false} {
		s := New(&fakeFastPath{Provider: provider.New("test")(), answer: answer})
		read, err := s.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "integratorio_nothing"})
		if err != nil {
			t.Fatal(err)
		}
		plan, err := s.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: "integratorio_nothing"})
		if err != nil {
			t.Fatal(err)
		}
		validate, err := s.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "integratorio_nothing"})
		if err != nil {
			t.Fatal(err)
		}
		upgrade, err := s.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{TypeName: "integratorio_nothing"})
		if err != nil {
			t.Fatal(err)
		}
		fast := func(diags []*tfprotov6.Diagnostic) bool { return len(diags) == 1 && diags[0].Summary == "fast" }
		fromFast := string(read.Private) == `"fast"` && string(plan.PlannedPrivate) == `"fast"` && fast(validate.Diagnostics) && fast(upgrade.Diagnostics)
		// The framework answers an unknown resource type with an error.
		fromFramework := len(read.Diagnostics) > 0 && len(plan.Diagnostics) > 0 && read.Private == nil &&
			len(validate.Diagnostics) > 0 && !fast(validate.Diagnostics) && len(upgrade.Diagnostics) > 0 && !fast(upgrade.Diagnostics)
		if answer != fromFast || answer == fromFramework {
			t.Errorf("fast path answering %v: read %+v, plan %+v, validate %+v, upgrade %+v", answer, read, plan, validate, upgrade)
		}
	}
}

// StopProvider cancels the fast path's calls in flight, as the framework cancels its own.
func TestServer_stopCancelsFastCalls(t *testing.T) {
	t.Setenv(FastPathEnvVar, "1")
	fake := &fakeFastPath{Provider: provider.New("test")(), answer: true, block: make(chan struct{}), stopped: make(chan error, 1)}
	s := New(fake)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = s.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{})
	}()
	<-fake.block
	if _, err := s.StopProvider(context.Background(), &tfprotov6.StopProviderRequest{}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-fake.stopped:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the fast call ended with %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("StopProvider did not cancel the fast call in flight")
	}
	<-done
}

// With FastPathEnvVar=verify the framework's answer is returned, with an error naming the parts
// where the fast path's differs (and not their values).
func TestServer_verifiesTheFastPath(t *testing.T) {
	t.Setenv(FastPathEnvVar, "verify")
	fake := &fakeFastPath{Provider: provider.New("test")(), answer: true}
	s := New(fake)
	if !fake.verifying {
		t.Fatal("New did not tell the provider it verifies")
	}
	ctx := context.Background()
	read, err := s.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "integratorio_nothing"})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: "integratorio_nothing"})
	if err != nil {
		t.Fatal(err)
	}
	validate, err := s.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "integratorio_nothing"})
	if err != nil {
		t.Fatal(err)
	}
	upgrade, err := s.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{TypeName: "integratorio_nothing"})
	if err != nil {
		t.Fatal(err)
	}
	for what, got := range map[string]struct {
		diags   []*tfprotov6.Diagnostic
		private []byte
		want    string
	}{
		"read":     {read.Diagnostics, read.Private, "answered this call otherwise than the plugin framework: private state, diagnostics. "},
		"plan":     {plan.Diagnostics, plan.PlannedPrivate, "answered this call otherwise than the plugin framework: planned private state, diagnostics. "},
		"validate": {validate.Diagnostics, nil, "answered this call otherwise than the plugin framework: diagnostics. "},
		"upgrade":  {upgrade.Diagnostics, nil, "answered this call otherwise than the plugin framework: diagnostics. "},
	} {
		last := got.diags[len(got.diags)-1]
		if string(got.private) == `"fast"` || last.Summary != "Refresh Fast Path Differs From the Framework" || !strings.Contains(last.Detail, got.want) {
			t.Errorf("%s: private %q, last diagnostic %q: %q", what, got.private, last.Summary, last.Detail)
		}
	}
}
