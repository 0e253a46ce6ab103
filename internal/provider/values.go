package provider

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Small helpers on values, shared by the provider's files.

// isSet reports whether a configuration value is present; an unknown value will be.
func isSet(v attr.Value) bool { return !v.IsNull() }

func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// quotedList renders allowed values for documentation: `"a"`, `"b"`.
func quotedList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "`\"" + v + "\"`"
	}
	return strings.Join(quoted, ", ")
}

func timeString(t *time.Time) types.String {
	if t == nil || t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// lastSeen describes an agent's last heartbeat for an error message.
func lastSeen(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "it has never connected"
	}
	return fmt.Sprintf("its last heartbeat was at %s (%s ago)", t.UTC().Format(time.RFC3339), time.Since(*t).Round(time.Second))
}

// shortDuration writes d as people do: 10m rather than 10m0s, 1h rather than 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
