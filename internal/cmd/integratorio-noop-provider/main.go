// Command integratorio-noop-provider is a second floor for `make bench`: a Terraform provider with
// exactly the schemas of the integratorio provider that does no work at all. It answers a refresh
// (a plan that finds no changes) by handing every value back as it came: no validation, no API
// request, no plan modification. What a refresh costs with it is what Terraform itself costs for
// any plugin provider with this schema (process starts, gRPC, msgpack, Terraform's own checks),
// which terraform_data, running inside Terraform, never pays.
//
// It serves only what a refresh asks for: the schemas come from the real provider, and any other
// call (apply, import, data sources) goes to the real provider unconfigured and fails.
//
// With INTEGRATORIO_NOOP_DECODE=1 it is the bench's second floor, the decode floor: ReadResource
// and PlanResourceChange also decode every state, configuration and plan they are given with the
// schema's type (DynamicValue.Unmarshal) and encode the answer again (tfprotov6.NewDynamicValue),
// as any provider must; still no other work. What a refresh costs above it is work, not decoding.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

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
	var served tfprotov6.ProviderServer = server
	if os.Getenv(DecodeEnvVar) == "1" {
		served = &decodeServer{noopServer: server}
	}
	err = tf6server.Serve(serve.Address, func() tfprotov6.ProviderServer { return served })
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

// DecodeEnvVar set to 1 makes the process the decode floor (decodeServer).
const DecodeEnvVar = "INTEGRATORIO_NOOP_DECODE"

// decodeServer is the no-op provider that decodes and encodes the values of a refresh: the cost
// every provider pays for its schema's values, and nothing else.
type decodeServer struct {
	*noopServer
}

// roundTrip decodes v with typ and encodes it again; a nil v stays nil.
func roundTrip(typ tftypes.Type, v *tfprotov6.DynamicValue) (*tfprotov6.DynamicValue, error) {
	if v == nil {
		return nil, nil
	}
	value, err := v.Unmarshal(typ)
	if err != nil {
		return nil, err
	}
	out, err := tfprotov6.NewDynamicValue(typ, value)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *decodeServer) ReadResource(_ context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	typ, ok := s.resourceTypes[req.TypeName]
	if !ok {
		return nil, fmt.Errorf("unknown resource type %q", req.TypeName)
	}
	state, err := roundTrip(typ, req.CurrentState)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.ReadResourceResponse{NewState: state, Private: req.Private}, nil
}

func (s *decodeServer) PlanResourceChange(_ context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	typ, ok := s.resourceTypes[req.TypeName]
	if !ok {
		return nil, fmt.Errorf("unknown resource type %q", req.TypeName)
	}
	for _, v := range []*tfprotov6.DynamicValue{req.PriorState, req.Config} {
		if _, err := roundTrip(typ, v); err != nil {
			return nil, err
		}
	}
	planned, err := roundTrip(typ, req.ProposedNewState)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.PlanResourceChangeResponse{PlannedState: planned, PlannedPrivate: req.PriorPrivate}, nil
}
