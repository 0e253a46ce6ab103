package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// Connections that borrow another's concurrency (borrow_concurrency_from) depend on it, but
// integrator.io does not stop its deletion: these warn before and after the lender goes.

// lenderDestroyWarning warns, on a plan that destroys a connection, when others borrow its
// concurrency, naming them.
func (r *postgresConnectionResource) lenderDestroyWarning(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil || req.State.Raw.IsNull() {
		return
	}
	var id, name types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("name"), &name)...)
	if !isSet(id) {
		return
	}
	borrowers, err := r.data.lenders.borrowers(ctx, id.ValueString())
	if err != nil {
		tflog.Debug(ctx, "borrowers not looked up before destroy", map[string]any{"id": id.ValueString(), "error": err.Error()})
		return
	}
	if len(borrowers) == 0 {
		return
	}
	resp.Diagnostics.AddWarning("Destroying a Connection Others Borrow From",
		fmt.Sprintf("Connection %q (%s) lends its concurrency to %s, which borrow_concurrency_from names. integrator.io "+
			"deletes it anyway, and how it then limits them is not published. Unless they are destroyed in this plan too, "+
			"point their borrow_concurrency_from at another connection, or give them a concurrency_level of their own, first.",
			name.ValueString(), id.ValueString(), strings.Join(borrowers, ", ")))
}

// lenderIndex answers which connections borrow from a lender, from one listing shared by the
// destroy plans of a whole run (a plan writes nothing, so a listing stays true for its length).
type lenderIndex struct {
	api interface {
		List(ctx context.Context) ([]client.Connection, error)
	}
	mu      sync.Mutex
	takenAt time.Time
	index   map[string][]string // lender id -> borrowers as "name" (id), sorted
}

func (x *lenderIndex) borrowers(ctx context.Context, lender string) ([]string, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.index == nil || time.Since(x.takenAt) > snapshotTTL {
		all, err := x.api.List(ctx)
		if err != nil {
			return nil, err
		}
		x.index, x.takenAt = map[string][]string{}, time.Now()
		for _, c := range all {
			if from := c.BorrowConcurrencyFromConnectionID; from != "" && from != c.ID {
				x.index[from] = append(x.index[from], fmt.Sprintf("%q (%s)", c.Name, c.ID))
			}
		}
		for _, names := range x.index {
			sort.Strings(names)
		}
	}
	return x.index[lender], nil
}

// lenderGoneWarning reports, at refresh, a connection whose lender no longer exists.
func (r *postgresConnectionResource) lenderGoneWarning(ctx context.Context, doc *client.Connection, diags *diag.Diagnostics) {
	lender := doc.BorrowConcurrencyFromConnectionID
	if lender == "" {
		return
	}
	// A GET, not the reader: a read takes its document out of the shared listing, which the
	// lender's own refresh then could not use.
	if _, err := r.data.client.Connections.Get(ctx, lender); !isNotFound(err) {
		return
	}
	diags.AddAttributeWarning(path.Root("borrow_concurrency_from"), "Lender Connection Gone",
		fmt.Sprintf("Connection %q (%s) borrows its concurrency from connection %s, which no longer exists in integrator.io. "+
			"How integrator.io limits a connection whose lender is gone is not published. Set borrow_concurrency_from to a "+
			"connection that exists, or remove it to give this connection a concurrency_level of its own.", doc.Name, doc.ID, lender))
}
