package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	client      *client.Client
	connections *connectionReader
	defaults    checkDefaults // the provider block's connectivity_check
	checks      *hostLimiter  // max_checks_per_database_host
	lenders     *lenderIndex  // who borrows from whom, for destroy plans
	creates     *createGuard  // the process's creates (processCreates), see createGuard

	// fastVerify is set only while the refresh fast path is verified (postgres_connection_refresh_fast_path.go).
	fastVerify *fastVerifyReads
}

func newProviderData(c *client.Client) *providerData {
	return &providerData{client: c, connections: newConnections(c.Connections), lenders: &lenderIndex{api: c.Connections},
		creates: processCreates}
}

// providerDataFrom unpacks the value from Configure. It is nil before the provider is configured
// (during validation), which callers must tolerate.
func providerDataFrom(v any, diags *diag.Diagnostics) *providerData {
	if v == nil {
		return nil
	}
	data, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", v))
		return nil
	}
	return data
}

// tflogLogger routes the client's logs to Terraform's log, so TF_LOG shows retries and waits.
type tflogLogger struct{}

func (tflogLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, fields)
}

func (tflogLogger) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.Warn(ctx, msg, fields)
}
