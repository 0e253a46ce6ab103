// Command integratorio-noop-provider is a second floor for `make bench`: a Terraform provider with
// exactly the schemas of the integratorio provider that does no work at all. It answers a refresh
// (a plan that finds no changes) by handing every value back as it came: no validation, no API
// request, no plan modification. What a refresh costs with it is what Terraform itself costs for
// any plugin provider with this schema (process starts, gRPC, msgpack, Terraform's own checks),
// which terraform_data, running inside Terraform, never pays.
//
// It serves only what a refresh asks for: the schemas come from the real provider, and any other
// call (apply, import, data sources) goes to the real provider unconfigured and fails.
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/integratorio/terraform-provider-integratorio/internal/provider"
	"github.com/integratorio/terraform-provider-integratorio/internal/serve"
)

func main() {
	serve.QuietUncollectedLogs() // as the real provider does, so the floor pays for no unread logs
	server, err := newNoopServer(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	err = tf6server.Serve(serve.Address, func() tfprotov6.ProviderServer { return server })
	if err != nil {
		log.Fatal(err)
	}
}

// noopServer is the real provider's server with the calls of a refresh replaced by echoes.
type noopServer struct {
	tfprotov6.ProviderServer
	resourceTypes map[string]tftypes.Type
}

func newNoopServer(ctx context.Context) (*noopServer, error) {
	full := providerserver.NewProtocol6(provider.New("noop")())()
	schemas, err := full.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, err
	}
	if len(schemas.Diagnostics) > 0 {
		return nil, fmt.Errorf("the provider's schema: %s", schemas.Diagnostics[0].Detail)
	}
	s := &noopServer{ProviderServer: full, resourceTypes: map[string]tftypes.Type{}}
	for name, schema := range schemas.ResourceSchemas {
		s.resourceTypes[name] = schema.ValueType()
	}
	return s, nil
}

func (s *noopServer) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

func (s *noopServer) ValidateResourceConfig(context.Context, *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return &tfprotov6.ValidateResourceConfigResponse{}, nil
}

// UpgradeResourceState decodes the stored JSON, as every provider must: Terraform sends state in
// the JSON form it keeps and expects msgpack back.
func (s *noopServer) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	typ, ok := s.resourceTypes[req.TypeName]
	if !ok {
		return nil, fmt.Errorf("unknown resource type %q", req.TypeName)
	}
	value, err := req.RawState.UnmarshalWithOpts(typ, tfprotov6.UnmarshalOpts{})
	if err != nil {
		return nil, err
	}
	state, err := tfprotov6.NewDynamicValue(typ, value)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &state}, nil
}

func (s *noopServer) ReadResource(_ context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

func (s *noopServer) PlanResourceChange(_ context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return &tfprotov6.PlanResourceChangeResponse{PlannedState: req.ProposedNewState, PlannedPrivate: req.PriorPrivate}, nil
}
