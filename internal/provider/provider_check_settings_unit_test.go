package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// allow_password_to_unverified_server comes from the provider block, else from its environment
// variable; unset, it is false.
func TestResolveChecks_allowPasswordToUnverifiedServer(t *testing.T) {
	block := func(v types.Bool) types.Object {
		return types.ObjectValueMust(
			map[string]attr.Type{"direct": types.BoolType, "via_api": types.BoolType, "allow_password_to_unverified_server": types.BoolType},
			map[string]attr.Value{"direct": types.BoolNull(), "via_api": types.BoolNull(), "allow_password_to_unverified_server": v})
	}
	for _, tc := range []struct {
		name  string
		env   string
		block types.Object
		want  bool
		err   string
	}{
		{name: "unset", block: types.ObjectNull(nil), want: false},
		{name: "from the environment", env: "true", block: types.ObjectNull(nil), want: true},
		{name: "the block wins", env: "true", block: block(types.BoolValue(false)), want: false},
		{name: "from the block", block: block(types.BoolValue(true)), want: true},
		{name: "not a bool", env: "yes please", block: types.ObjectNull(nil),
			err: `INTEGRATORIO_CHECK_ALLOW_PASSWORD_TO_UNVERIFIED_SERVER="yes please" is neither true nor false.`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(name string) string {
				if name == envCheckUnverified {
					return tc.env
				}
				return ""
			}
			var diags diag.Diagnostics
			defaults, _ := resolveChecks(context.Background(), types.Int64Null(), tc.block, getenv, &diags)
			if tc.err != "" {
				if !diags.HasError() || !strings.HasPrefix(diags[0].Detail(), tc.err) {
					t.Fatalf("diagnostics %v, want %q", diags, tc.err)
				}
				return
			}
			if diags.HasError() || defaults.allowUnverified != tc.want {
				t.Errorf("allowUnverified = %v (%v), want %v", defaults.allowUnverified, diags, tc.want)
			}
		})
	}
}
