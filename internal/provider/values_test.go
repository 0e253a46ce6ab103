package provider

import (
	"strings"
	"testing"
	"time"
)

func TestShortDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		10 * time.Minute:             "10m",
		time.Hour:                    "1h",
		90 * time.Minute:             "1h30m",
		30 * time.Second:             "30s",
		time.Minute + 5*time.Second:  "1m5s",
		2*time.Hour + 30*time.Second: "2h0m30s",
		1500 * time.Millisecond:      "1.5s",
		0:                            "0s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestQuotedList(t *testing.T) {
	t.Parallel()
	if got, want := quotedList([]string{"cloud", "on_premise"}), "`\"cloud\"`, `\"on_premise\"`"; got != want {
		t.Errorf("quotedList = %s, want %s", got, want)
	}
	if got := quotedList(nil); got != "" {
		t.Errorf("quotedList(nil) = %q, want empty", got)
	}
}

func TestOptionalString(t *testing.T) {
	t.Parallel()
	if v := optionalString(""); !v.IsNull() {
		t.Errorf("optionalString(\"\") = %s, want null", v)
	}
	if v := optionalString("x"); v.ValueString() != "x" || v.IsNull() {
		t.Errorf("optionalString(\"x\") = %s", v)
	}
}

func TestTimeString(t *testing.T) {
	t.Parallel()
	if v := timeString(nil); !v.IsNull() {
		t.Errorf("timeString(nil) = %s, want null", v)
	}
	if v := timeString(&time.Time{}); !v.IsNull() {
		t.Errorf("timeString(zero) = %s, want null", v)
	}
	at := time.Date(2026, 12, 3, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	if v := timeString(&at); v.ValueString() != "2026-12-03T08:30:00Z" {
		t.Errorf("timeString = %s, want the time in UTC, RFC 3339", v)
	}
}

func TestLastSeen(t *testing.T) {
	t.Parallel()
	if got := lastSeen(nil); got != "it has never connected" {
		t.Errorf("lastSeen(nil) = %q", got)
	}
	at := time.Now().Add(-90 * time.Second)
	got := lastSeen(&at)
	if want := "its last heartbeat was at " + at.UTC().Format(time.RFC3339); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, " ago)") {
		t.Errorf("lastSeen = %q, want %q (... ago)", got, want)
	}
}
