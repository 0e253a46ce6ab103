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
		"postgres://db.example.com:5432": "The host is a URL with a scheme, a host name and a port. Write only the host name in the host attribute and the port in the port attribute.",
		"svc@db.example.com":             "The host holds a user name (and perhaps a password) before an @, then a host name. Write only the host name after the @ in the host attribute,",
		"db.example.com/orders":          "The host contains a path (a / and what comes after it). Write only the host name in the host attribute; the database name goes in the database attribute.",
		"db.example.com:5432/orders":     "The host is a host name and a port followed by a path (a / and what comes after it). Write only the host name in the host attribute, the port in the port attribute and the database name in the database attribute.",
		"db.example.com:5432":            "The host is a host name followed by a colon and a port. Write only the host name in the host attribute and the port in the port attribute.",
		"[::1]:5433":                     "The host is an IPv6 address in brackets followed by a port.",
		"[::1]":                          "Write the IPv6 address without them",
		"fe80::1%eth0":                   "The host is an IPv6 address with a zone (a % and an interface name after it)",
		"-db.example.com":                `part number 1 (counting the dot-separated parts from the left) starts or ends with a hyphen`,
		"db!.example.com":                `part number 1 (counting the dot-separated parts from the left) holds an exclamation mark.`,
		"db!:#.example.com":              `holds an exclamation mark, a colon and a hash sign.`,
		"db\x01é.example.com":            `holds a control character and a character outside ASCII.`,
		"postgres://svc:pw@db.example.com:5433/orders?sslmode=require": "The host is a URL with a scheme, a user name (and perhaps a password), " +
			"a host name, a port, a path and parameters. Write only the host name in the host attribute, the port in the port attribute, the database name in the " +
			"database attribute and the user in the username attribute and the password in password or password_wo.",
		"svc:pw@db.example.com":          "before an @, then a host name.",
		"svc:pw@db.example.com:5433":     "before an @, then a host name and a port. Write only the host name after the @ in the host attribute, the port in the port attribute,",
		"host=db.example.com password=x": "is a connection string (key=value pairs)",
		strings.Repeat("a.", 127) + "a":  "at most 253",
	}
	for host, want := range bad {
		if p := hostProblem(host); !strings.Contains(p, want) {
			t.Errorf("hostProblem(%q) = %q, want it to contain %q", host, p, want)
		}
	}
}

// scramble changes every letter and digit of s into another of its kind (hexadecimal letters
// stay hexadecimal, other letters other letters, digits 1-9 other digits 1-9; case kept): the
// value keeps its shape, and a message that quoted any part of it would change.
func scramble(s string) string {
	shift := func(r, lo, hi byte) byte { return lo + (r-lo+1)%(hi-lo+1) }
	b := []byte(s) // bytes, not runes: other bytes, valid UTF-8 or not, stay as they are
	for i, r := range b {
		switch {
		case r >= 'a' && r <= 'f':
			r = shift(r, 'a', 'f')
		case r >= 'g' && r <= 'z':
			r = shift(r, 'g', 'z')
		case r >= 'A' && r <= 'F':
			r = shift(r, 'A', 'F')
		case r >= 'G' && r <= 'Z':
			r = shift(r, 'G', 'Z')
		case r >= '1' && r <= '9':
			r = shift(r, '1', '9')
		}
		b[i] = r
	}
	return string(b)
}

// Every shape the host validator refuses is described, never quoted: the message of a refused
// value is the same after its letters and digits are changed (issue 20: a host given with a
// path, such as db.example.com:5432/orders from a sensitive variable, was quoted whole).
func TestHostProblem_describesTheShapeOnly(t *testing.T) {
	t.Parallel()
	for _, host := range []string{
		"db.example.com:5432/orders", "db.example.com/orders", "admin:S3cretPw@db.example.com:5432/orders",
		"postgres://admin:S3cretPw@db.example.com:5432/orders", "postgres://db.example.com/orders?password=S3cretPw",
		"postgresql://admin:S3cretPw@db.example.com/orders?sslmode=require", "postgres://admin:S3cretPw@[::1",
		"jdbc:postgresql://db.example.com/orders?user=admin&password=S3cretPw", "svc@db.example.com", "svc:pw@db.example.com:5433",
		"host=db.example.com password=S3cretPw", " S3cretPw", "S3cretPw!", "db.S3cretPw!.com", "db.example.com:5432",
		"[::1]:5433", "[::1]", "[db.example.com]", "fe80::1%eth0", "-db.example.com", "db..example.com",
		strings.Repeat("a", 64) + ".example.com", strings.Repeat("ab.", 90), "db:x:y", "db\x00.example.com", "dbé.example.com",
		"", "postgres://", "S3cretPw:99999",
	} {
		p := hostProblem(host)
		if p == "" {
			t.Errorf("hostProblem(%q) accepted it", host)
			continue
		}
		if other := hostProblem(scramble(host)); other != p {
			t.Errorf("hostProblem quotes part of the value: for %q\n  %s\nbut for %q\n  %s", host, p, scramble(host), other)
		}
		for _, part := range []string{"S3cretPw", "admin", "orders", "5432", "eth0"} {
			if strings.Contains(host, part) && strings.Contains(p, part) {
				t.Errorf("hostProblem(%q) quotes %q: %s", host, part, p)
			}
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
	for _, seed := range []string{"db.example.com", "postgres://u:p@h:1/d", "[::1]:5432", "10.0.0.1", "a b", "x%y",
		"svc:pw@db:5433/orders?sslmode=require", "jdbc:postgresql://h/d?password=p", "h/d?x=y#z"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, host string) {
		p := hostProblem(host)
		// Whatever it accepts must be usable as a bare host: no port, path, user or space.
		if p == "" && strings.ContainsAny(host, "/@ \t\n") {
			t.Errorf("accepted %q", host)
		}
		// Whatever it refuses is described by its shape, never quoted.
		if other := hostProblem(scramble(host)); p != "" && other != "" && other != p {
			t.Errorf("the message depends on the value's letters or digits: %q gives %q, %q gives %q", host, p, scramble(host), other)
		}
		// No user information, path or query text is echoed: a marker put in each place, around
		// this input and in place of its own parts, never shows in the message.
		for _, probe := range echoProbes(host) {
			if m := hostProblem(probe); m == "" {
				t.Errorf("accepted %q", probe)
			} else if strings.Contains(strings.ToLower(m), strings.ToLower(echoMarker)) {
				t.Errorf("hostProblem(%q) echoes the user information, path or query: %s", probe, m)
			}
		}
	})
}

// echoMarker stands for a secret in a host's user information, path or query.
const echoMarker = "Qz7Xk9Wp"

// echoProbes are host with echoMarker as its user information, password, path and query, added
// around it and put in place of the parts it has.
func echoProbes(host string) []string {
	m := echoMarker
	probes := []string{
		m + "@" + host, "svc:" + m + "@" + host, host + "/" + m, host + "/db?password=" + m,
		"postgres://" + m + ":" + m + "@" + host + "/" + m + "?password=" + m + "#" + m,
		"postgres://" + host + "/db?" + m, "jdbc:postgresql://" + host + "/db?user=svc&password=" + m,
	}
	if at := strings.LastIndex(host, "@"); at >= 0 {
		probes = append(probes, m+host[at:])
		if colon := strings.Index(host[:at], ":"); colon >= 0 {
			probes = append(probes, host[:colon+1]+m+host[at:])
		}
	}
	rest := host
	if i := strings.Index(host, "://"); i >= 0 {
		rest = host[i+3:]
	}
	if slash := strings.Index(rest, "/"); slash >= 0 {
		probes = append(probes, host[:len(host)-len(rest)+slash+1]+m)
	}
	if q := strings.Index(host, "?"); q >= 0 && strings.Contains(host[:q], "/") {
		probes = append(probes, host[:q+1]+m)
	}
	return probes
}

func TestControlCharProblem(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]string{
		"orders":         "",
		"Bestellungen-ü": "",
		"a\x00":          "contains NUL (U+0000) at character 2",
		"\r\n":           "contains a carriage return (CR) (U+000D) at character 1",
		"ü\x7f":          "contains DEL (U+007F) at character 2",
		"x\u0085":        "contains a control character (U+0085) at character 2",
		"\x1b[31m":       "contains a control character (U+001B) at character 1",
	} {
		if got := controlCharProblem(s); got != want {
			t.Errorf("controlCharProblem(%q) = %q, want %q", s, got, want)
		}
	}
}
