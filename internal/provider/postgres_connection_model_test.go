package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

func TestReadConcurrencyLevel(t *testing.T) {
	own := func(level int) *client.Connection {
		return &client.Connection{RDBMS: &client.RDBMS{ConcurrencyLevel: level}}
	}
	cases := []struct {
		name  string
		doc   *client.Connection
		prior types.Int64
		saved types.Int64
		want  types.Int64
	}{
		{"borrowing has no level of its own", &client.Connection{BorrowConcurrencyFromConnectionID: "x", RDBMS: &client.RDBMS{}},
			types.Int64Value(5), types.Int64Value(5), types.Int64Null()},
		{"absent means the default", own(0), types.Int64Null(), types.Int64Null(), types.Int64Value(defaultConcurrencyLevel)},
		{"lowered by the licence at the last save: the configured level stands", own(25), types.Int64Value(40), types.Int64Value(25), types.Int64Value(40)},
		{"changed outside Terraform to a cap value", own(25), types.Int64Value(40), types.Int64Value(40), types.Int64Value(25)},
		{"changed outside Terraform below the lowered level", own(20), types.Int64Value(40), types.Int64Value(25), types.Int64Value(20)},
		{"raised outside Terraform", own(30), types.Int64Value(10), types.Int64Value(10), types.Int64Value(30)},
		{"nothing saved (imported): what integrator.io holds", own(25), types.Int64Value(40), types.Int64Null(), types.Int64Value(25)},
		{"unchanged", own(12), types.Int64Value(12), types.Int64Value(12), types.Int64Value(12)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := readConcurrencyLevel(tc.doc, tc.prior, tc.saved); !got.Equal(tc.want) {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
