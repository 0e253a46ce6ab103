package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// verifyFollowsUseSSL plans ssl_verify_server_certificate when it is not configured: true with
// use_ssl = true, null without TLS (where it means nothing, and a plan showing `true` misleads),
// unknown while use_ssl is. Read records null for a connection without TLS too, so state written
// by earlier versions (true) is corrected by the refresh, without a diff.
func verifyFollowsUseSSL() planmodifier.Bool { return verifyFollowsUseSSLModifier{} }

type verifyFollowsUseSSLModifier struct{}

func (verifyFollowsUseSSLModifier) Description(context.Context) string {
	return "true when use_ssl is true and the attribute is not set; null when use_ssl is false"
}

func (m verifyFollowsUseSSLModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (verifyFollowsUseSSLModifier) PlanModifyBool(ctx context.Context, req planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	if !req.ConfigValue.IsNull() {
		return // as written; ValidateConfig refuses it without use_ssl
	}
	var useSSL types.Bool
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("use_ssl"), &useSSL)...)
	switch {
	case resp.Diagnostics.HasError():
	case useSSL.IsUnknown():
		resp.PlanValue = types.BoolUnknown()
	case useSSL.ValueBool():
		resp.PlanValue = types.BoolValue(true)
	default:
		resp.PlanValue = types.BoolNull()
	}
}
