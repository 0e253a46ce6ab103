package provider

import (
	"strings"
	"testing"
)

func TestHostProblem(t *testing.T) {
	t.Parallel()
	ok := []string{"db.example.com", "localhost", "10.0.0.5", "::1", "2001:db8::1", "db-1.internal", "my_host.corp", "db.example.com."}
	for _, host := range ok {
		if p := hostProblem(host); p != "" {
			t.Errorf("hostProblem(%q) = %q, want no problem", host, p)
		}
	}
	bad := map[string]string{
		"":                               "The host is empty.",
		"db .example.com":                "contains spaces",
		" db.example.com":                "contains spaces",
		"postgres://db.example.com:5432": "is a URL. Write only the host name",
		"svc@db.example.com":             "contains a user name",
		"db.example.com/orders":          "contains a path",
		"db.example.com:5432":            `Write host = "db.example.com" and port = 5432.`,
		"[::1]:5433":                     `Write host = "::1" and port = 5433.`,
		"[::1]":                          "Write the IPv6 address without them",
		"fe80::1%eth0":                   "has an IPv6 zone",
		"-db.example.com":                `the part "-db" may hold only letters`,
		"db!.example.com":                `the part "db!"`,
		strings.Repeat("a.", 127) + "a":  "at most 253",
	}
	for host, want := range bad {
		if p := hostProblem(host); !strings.Contains(p, want) {
			t.Errorf("hostProblem(%q) = %q, want it to contain %q", host, p, want)
		}
	}
}

func FuzzHostProblem(f *testing.F) {
	for _, seed := range []string{"db.example.com", "postgres://u:p@h:1/d", "[::1]:5432", "10.0.0.1", "a b", "x%y"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, host string) {
		p := hostProblem(host)
		// Whatever it accepts must be usable as a bare host: no port, path, user or space.
		if p == "" && strings.ContainsAny(host, "/@ \t\n") {
			t.Errorf("accepted %q", host)
		}
	})
}
