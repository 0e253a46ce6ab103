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
		"postgres://db.example.com:5432": `is a URL (postgres://db.example.com:5432). Write only the host name`,
		"svc@db.example.com":             "contains a user name",
		"db.example.com/orders":          "contains a path",
		"db.example.com:5432":            `Write host = "db.example.com" and port = 5432.`,
		"[::1]:5433":                     `Write host = "::1" and port = 5433.`,
		"[::1]":                          "Write the IPv6 address without them",
		"fe80::1%eth0":                   "has an IPv6 zone",
		"-db.example.com":                `part number 1 (counting the dot-separated parts from the left) starts or ends with a hyphen`,
		"db!.example.com":                `part number 1 (counting the dot-separated parts from the left) holds "!"`,
		"postgres://svc:pw@db.example.com:5433/orders?sslmode=require": `(postgres://db.example.com:5433/orders, shown without its user name, password and parameters). ` +
			"Write only the host name and put the port in the port attribute and the database name in the database attribute: " +
			`host = "db.example.com", port = 5433 and database = "orders".`,
		"svc:pw@db.example.com":          `before "db.example.com". Write host = "db.example.com"`,
		"svc:pw@db.example.com:5433":     `before "db.example.com:5433". Write host = "db.example.com", port = 5433,`,
		"host=db.example.com password=x": "is a connection string (key=value pairs)",
		strings.Repeat("a.", 127) + "a":  "at most 253",
	}
	for host, want := range bad {
		if p := hostProblem(host); !strings.Contains(p, want) {
			t.Errorf("hostProblem(%q) = %q, want it to contain %q", host, p, want)
		}
	}
}

// No message quotes a part of the value that could hold a secret.
func TestHostProblem_neverQuotesSecrets(t *testing.T) {
	t.Parallel()
	const secret = "S3cretPw"
	for _, host := range []string{
		"postgres://admin:S3cretPw@db.example.com:5432/orders",
		"postgresql://admin:S3cretPw@db.example.com/orders?sslmode=require",
		"postgres://db.example.com/orders?password=S3cretPw",
		"postgres://admin:S3cretPw@[::1",
		"jdbc:postgresql://db.example.com/orders?user=admin&password=S3cretPw",
		"admin:S3cretPw@db.example.com",
		"admin:S3cretPw@db.example.com/orders",
		"host=db.example.com password=S3cretPw",
		" S3cretPw",
		"S3cretPw!",
		"db.S3cretPw!.com",
	} {
		p := hostProblem(host)
		if p == "" {
			t.Errorf("hostProblem(%q) accepted it", host)
		}
		if strings.Contains(p, secret) {
			t.Errorf("hostProblem(%q) quotes the secret: %s", host, p)
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
