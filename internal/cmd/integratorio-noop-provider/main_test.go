package main

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestNoopServer_echoesARefresh checks the calls of a refresh: state decoded from JSON as stored,
// then read and planned unchanged.
func TestNoopServer_echoesARefresh(t *testing.T) {
	ctx := context.Background()
	s, err := newNoopServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const typeName = "integratorio_postgres_connection"
	typ, ok := s.resourceTypes[typeName]
	if !ok {
		t.Fatalf("no schema for %s; have %v", typeName, s.resourceTypes)
	}

	up, err := s.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: typeName,
		RawState: &tfprotov6.RawState{JSON: []byte(`{"id":"0123456789abcdef01234567","name":"orders","host":"db","port":5432}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	state, err := up.UpgradedState.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := state.As(&attrs); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := attrs["name"].As(&name); err != nil || name != "orders" {
		t.Errorf("upgraded name = %q (%v), want orders", name, err)
	}
	if !attrs["ssl_ca"].IsNull() {
		t.Errorf("ssl_ca, absent from the JSON, is %v; want null", attrs["ssl_ca"])
	}

	read, err := s.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: typeName, CurrentState: up.UpgradedState})
	if err != nil || read.NewState != up.UpgradedState {
		t.Errorf("ReadResource did not hand the state back: %v", err)
	}
	plan, err := s.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: typeName, ProposedNewState: up.UpgradedState})
	if err != nil || plan.PlannedState != up.UpgradedState {
		t.Errorf("PlanResourceChange did not hand the proposed state back: %v", err)
	}

	_, err = s.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{TypeName: "integratorio_nothing", RawState: &tfprotov6.RawState{JSON: []byte(`{}`)}})
	if err == nil || !strings.Contains(err.Error(), `unknown resource type "integratorio_nothing"`) {
		t.Errorf("an unknown type: %v", err)
	}
}

// TestDecodeServer_roundTripsARefresh checks the decode floor: the same answers as the no-op
// provider's, each value decoded and encoded again, and a value the schema cannot decode refused.
func TestDecodeServer_roundTripsARefresh(t *testing.T) {
	ctx := context.Background()
	noop, err := newNoopServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := &decodeServer{noopServer: noop}
	const typeName = "integratorio_postgres_connection"
	typ := s.resourceTypes[typeName]
	up, err := s.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: typeName,
		RawState: &tfprotov6.RawState{JSON: []byte(`{"id":"0123456789abcdef01234567","name":"orders","host":"db","port":5432}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	want, err := up.UpgradedState.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	private := []byte(`{"a":1}`)
	read, err := s.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: typeName, CurrentState: up.UpgradedState, Private: private})
	if err != nil {
		t.Fatal(err)
	}
	if read.NewState == up.UpgradedState || string(read.Private) != string(private) {
		t.Errorf("ReadResource handed the state back without decoding it, or lost the private state")
	}
	if got, err := read.NewState.Unmarshal(typ); err != nil || !got.Equal(want) {
		t.Errorf("ReadResource's state = %v (%v), want %v", got, err, want)
	}
	plan, err := s.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: typeName,
		PriorState: up.UpgradedState, Config: up.UpgradedState, ProposedNewState: up.UpgradedState, PriorPrivate: private})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := plan.PlannedState.Unmarshal(typ); err != nil || !got.Equal(want) || string(plan.PlannedPrivate) != string(private) {
		t.Errorf("PlanResourceChange's plan = %v (%v), want %v", got, err, want)
	}
	_, err = s.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: typeName, CurrentState: &tfprotov6.DynamicValue{MsgPack: []byte{0xc1}}})
	if err == nil {
		t.Error("ReadResource decoded a value that is not msgpack")
	}
}
