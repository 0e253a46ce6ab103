package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// clockSkew allows for the difference between this machine's clock and integrator.io's when
// deciding whether a connection was made by the create being recovered.
const clockSkew = 2 * time.Minute

// findCreated looks for the connection an interrupted POST of doc may have made: one with the
// same non-secret settings, created since started. It returns nil when there is none, and an
// error when several match, since adopting the wrong one would be worse than stopping.
func findCreated(ctx context.Context, api connectionLister, doc *client.Connection, started time.Time) (*client.Connection, error) {
	all, err := api.List(ctx)
	if err != nil {
		return nil, err
	}
	var matches []client.Connection
	for _, c := range all {
		if c.CreatedAt != nil && c.CreatedAt.Before(started.Add(-clockSkew)) {
			continue
		}
		if sameSettings(&c, doc) {
			matches = append(matches, c)
		}
	}
	switch len(matches) {
	case 0:
		return nil, nil
	case 1:
		return &matches[0], nil
	}
	ids := make([]string, len(matches))
	for i, c := range matches {
		ids[i] = c.ID
	}
	return nil, fmt.Errorf("%d connections named %q were created just now (%s); import the right one with "+
		"`terraform import` and delete the others in integrator.io", len(matches), doc.Name, strings.Join(ids, ", "))
}

// sameSettings compares what a create sends, minus the masked secrets.
func sameSettings(got, sent *client.Connection) bool {
	if got.Type != sent.Type || got.Name != sent.Name || got.AgentID != sent.AgentID ||
		got.BorrowConcurrencyFromConnectionID != sent.BorrowConcurrencyFromConnectionID {
		return false
	}
	if got.RDBMS == nil || sent.RDBMS == nil {
		return got.RDBMS == sent.RDBMS
	}
	g, s := got.RDBMS, sent.RDBMS
	port := func(p client.Port) client.Port {
		if p == 0 {
			return defaultPort
		}
		return p
	}
	return g.Type == s.Type && g.Host == s.Host && port(g.Port) == port(s.Port) && g.Database == s.Database &&
		g.User == s.User && (g.SSL != nil) == (s.SSL != nil)
}
