package provider

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// Validators shared by the schemas. Each skips null and unknown values (they are checked again
// at apply, once known) and reports on the attribute at fault with a message saying how to fix it.

var (
	_ validator.String = hostValidator{}
	_ validator.String = objectIDValidator{}
	_ validator.String = durationValidator{}
)

// HostValidator accepts a host name or an IP literal and explains what to write instead of a
// URL, a host:port pair, a user@host or a path.
func HostValidator() validator.String { return hostValidator{} }

type hostValidator struct{}

func (hostValidator) Description(context.Context) string {
	return "must be a host name or an IP address, without scheme, port, user or path"
}

func (v hostValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (hostValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := hostProblem(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Database Host", problem)
	}
}

var hostLabel = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$`)

// hostProblem returns why host is not a bare host name or IP literal, or "" when it is.
//
// The value may have come from a sensitive variable (a whole connection URL, say), and Terraform
// does not tell providers which values are sensitive, so no message quotes any part of a value it
// refuses: it describes the value's shape (a URL with a port and a path, a host name followed by a
// port, a user before an @, ...) and says where each part goes. Only the value's length and the
// names of punctuation it must not hold are given. TestHostProblem_describesTheShapeOnly holds
// every message to that: changing the letters and digits of a refused value never changes it.
func hostProblem(host string) string {
	switch {
	case host == "":
		return "The host is empty. Set it to the database server's name or IP address, such as db.example.com or 10.0.0.5."
	case strings.Contains(host, "://"):
		return urlHostProblem(host)
	case strings.Contains(host, "@"):
		after := host[strings.LastIndex(host, "@")+1:]
		shape, advice := "", ""
		if after != "" && !strings.ContainsAny(after, " \t\r\n/") {
			shape, advice = ", then a host name", "the host name after the @ in the host attribute, "
			if _, _, err := net.SplitHostPort(after); err == nil {
				shape, advice = ", then a host name and a port", "the host name after the @ in the host attribute, the port in the port attribute, "
			}
		}
		return "The host holds a user name (and perhaps a password) before an @" + shape + ". Write only " + advice +
			"put the user in the username attribute and the password in password or password_wo."
	case strings.TrimSpace(host) != host || strings.ContainsAny(host, " \t\r\n"):
		if strings.Contains(host, "=") {
			return "The host is a connection string (key=value pairs), not a host name. Write only the host name, such as " +
				"db.example.com, and put each other setting in its own attribute (port, database, username, password)."
		}
		return "The host contains spaces. Write only the host name or IP address, such as db.example.com."
	case strings.Contains(host, "/"):
		before, _, _ := strings.Cut(host, "/")
		if _, _, err := net.SplitHostPort(before); err == nil {
			return "The host is a host name and a port followed by a path (a / and what comes after it). Write only the " +
				"host name in the host attribute, the port in the port attribute and the database name in the database attribute."
		}
		return "The host contains a path (a / and what comes after it). Write only the host name in the host attribute; the " +
			"database name goes in the database attribute."
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return "The host is an IPv6 address with a zone (a % and an interface name after it), which integrator.io " +
				"cannot use. Write the address without its zone."
		}
		return ""
	}
	if strings.HasPrefix(host, "[") {
		if _, _, err := net.SplitHostPort(host); err == nil {
			return "The host is an IPv6 address in brackets followed by a port. Write the address without the brackets in " +
				"the host attribute and the port in the port attribute."
		}
		return "The host has brackets. Write the IPv6 address without them."
	}
	if h, _, err := net.SplitHostPort(host); err == nil && hostProblem(h) == "" {
		return "The host is a host name followed by a colon and a port. Write only the host name in the host attribute and the port " +
			"in the port attribute."
	}
	name := strings.TrimSuffix(host, ".")
	if len(name) > 253 {
		return fmt.Sprintf("The host name is %d characters long; DNS names have at most 253.", len(name))
	}
	for i, label := range strings.Split(name, ".") {
		if hostLabel.MatchString(label) {
			continue
		}
		what := "is empty"
		if bad := invalidHostChars(label); bad != "" {
			what = "holds " + bad
		} else if label != "" {
			what = "starts or ends with a hyphen, or is longer than 63 characters"
		}
		return fmt.Sprintf("The host is not a valid host name: its part number %d (counting the dot-separated parts from the left) %s. "+
			"Each part may hold only letters, digits, hyphens and underscores (1 to 63 of them, not starting or ending with a hyphen). "+
			"Write a host name such as db.example.com or an IP address such as 10.0.0.5.", i+1, what)
	}
	return ""
}

// urlHostProblem describes a URL given as the host by the parts it has, never quoting them.
func urlHostProblem(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return "The host is a URL. Write only the host name (such as db.example.com) and put the port in the port attribute, " +
			"the database name in the database attribute, the user in the username attribute and the password in password or password_wo."
	}
	parts := []string{"a scheme"}
	advice := []string{"only the host name in the host attribute"}
	if u.User != nil {
		parts = append(parts, "a user name (and perhaps a password)")
	}
	parts = append(parts, "a host name")
	if u.Port() != "" {
		parts = append(parts, "a port")
		advice = append(advice, "the port in the port attribute")
	}
	if strings.Trim(u.Path, "/") != "" {
		parts = append(parts, "a path")
		advice = append(advice, "the database name in the database attribute")
	}
	if u.RawQuery != "" {
		parts = append(parts, "parameters")
	}
	if u.User != nil {
		advice = append(advice, "the user in the username attribute and the password in password or password_wo")
	}
	return fmt.Sprintf("The host is a URL with %s. Write %s.", englishList(parts), englishList(advice))
}

// englishList joins items as "a, b and c".
func englishList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// hostCharNames names the characters a host name label may not hold, so a message can say which
// without quoting the value.
var hostCharNames = map[rune]string{
	'!': "an exclamation mark", '"': "a double quote", '#': "a hash sign", '$': "a dollar sign", '%': "a percent sign",
	'&': "an ampersand", '\'': "an apostrophe", '(': "a parenthesis", ')': "a parenthesis", '*': "an asterisk",
	'+': "a plus sign", ',': "a comma", ':': "a colon", ';': "a semicolon", '<': "an angle bracket", '>': "an angle bracket",
	'=': "an equals sign", '?': "a question mark", '[': "a bracket", ']': "a bracket", '\\': "a backslash",
	'^': "a caret", '`': "a backtick", '{': "a brace", '}': "a brace", '|': "a vertical bar", '~': "a tilde",
}

// invalidHostChars names the kinds of characters of a host name label that no host name may
// hold, once each, in the order they appear; "" when it holds none.
func invalidHostChars(label string) string {
	var names []string
	for _, r := range label {
		if r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			continue
		}
		name, ok := hostCharNames[r]
		switch {
		case ok:
		case r < 0x20 || r == 0x7f:
			name = "a control character"
		case r > 0x7f:
			name = "a character outside ASCII"
		default:
			name = "a character host names may not hold"
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return englishList(names)
}

// ObjectIDValidator accepts integrator.io ids: 24 lowercase hexadecimal characters.
func ObjectIDValidator(what string) validator.String { return objectIDValidator{what: what} }

type objectIDValidator struct{ what string }

var objectIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

func (v objectIDValidator) Description(context.Context) string {
	return "must be an integrator.io id: 24 lowercase hexadecimal characters"
}

func (v objectIDValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v objectIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	id := req.ConfigValue.ValueString()
	if objectIDPattern.MatchString(id) {
		return
	}
	hint := ""
	if objectIDPattern.MatchString(strings.ToLower(id)) {
		hint = fmt.Sprintf(" Write it in lowercase: %q.", strings.ToLower(id))
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+v.what+" ID",
		fmt.Sprintf("%q is not an integrator.io id: ids are 24 lowercase hexadecimal characters, such as "+
			"\"5f96e6a30a45077b3a08f3c9\". Refer to the %s's id attribute instead of its name.%s", id, v.what, hint))
}

// DurationValidator accepts Go duration strings such as "30s" or "2m" within [min, max].
func DurationValidator(minimum, maximum time.Duration) validator.String {
	return durationValidator{min: minimum, max: maximum}
}

type durationValidator struct{ min, max time.Duration }

func (v durationValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a duration such as \"30s\" or \"2m\", from %s to %s", shortDuration(v.min), shortDuration(v.max))
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	// The message names the attribute: Terraform points a nested attribute's error at the whole
	// block or object, where the attribute at fault is not obvious.
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration",
			fmt.Sprintf("%s = %q is not a duration. Write a number with a unit, such as \"30s\", \"90s\" or \"2m\", from %s to %s.",
				req.Path, req.ConfigValue.ValueString(), shortDuration(v.min), shortDuration(v.max)))
		return
	}
	if d < v.min || d > v.max {
		resp.Diagnostics.AddAttributeError(req.Path, "Duration Out of Range",
			fmt.Sprintf("%s = %q is outside the allowed range: use a duration from %s to %s.",
				req.Path, req.ConfigValue.ValueString(), shortDuration(v.min), shortDuration(v.max)))
	}
}

// propertyAttributes maps the libpq connection settings that users try in properties to the
// attribute that owns the setting. properties are integrator.io's driver options, whose names are
// the driver's and are never refused; these keys would fight the attribute. A connect timeout
// (connect_timeout, connectTimeout) is a driver option, not a setting another attribute owns.
var propertyAttributes = map[string]string{
	"host": "host", "hostaddr": "host", "port": "port", "dbname": "database", "database": "database",
	"user": "username", "password": "password (or password_wo)", "passfile": "password (or password_wo)",
	"sslmode": "use_ssl (with ssl_verify_server_certificate)", "ssl": "use_ssl", "sslcert": "ssl_certificate",
	"sslkey": "ssl_key (or ssl_key_wo)", "sslrootcert": "ssl_ca", "sslpassword": "ssl_passphrase (or ssl_passphrase_wo)",
}

var _ validator.Map = propertiesValidator{}

// PropertiesValidator refuses properties keys that another attribute owns, naming that attribute.
func PropertiesValidator() validator.Map { return propertiesValidator{} }

type propertiesValidator struct{}

func (propertiesValidator) Description(context.Context) string {
	return "keys are driver options, not connection settings that another attribute owns"
}

func (v propertiesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (propertiesValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	keys := make([]string, 0, len(req.ConfigValue.Elements()))
	for key := range req.ConfigValue.Elements() {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		owner, ok := propertyAttributes[strings.ToLower(key)]
		if !ok {
			continue
		}
		resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(key), "Property Set by Another Attribute",
			fmt.Sprintf("The properties key %q is a connection setting, not a driver option: the %s attribute "+
				"sets it. Remove %q from properties and use %s instead.", key, owner, key, owner))
	}
}

var _ validator.String = controlCharValidator{}

// NoControlCharactersValidator refuses text holding a control character (NUL, a line break, a
// tab, DEL, C1 codes): PostgreSQL's protocol ends its strings at NUL, and the others make a name,
// a database or a user that nobody can type or see. The message names the character and where it
// is, never the value. what names the value in the message ("database"); valueOfPath names it by
// its path instead, for map values.
func NoControlCharactersValidator(what string) validator.String {
	return controlCharValidator{what: what}
}

// valueOfPath is the what of a map's values: the message names the key's path.
const valueOfPath = "properties value"

type controlCharValidator struct{ what string }

func (v controlCharValidator) Description(context.Context) string {
	return "must not contain control characters (NUL, line breaks, tabs)"
}

func (v controlCharValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v controlCharValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	problem := controlCharProblem(req.ConfigValue.ValueString())
	if problem == "" {
		return
	}
	subject := v.what
	if v.what == valueOfPath {
		subject = "value of " + req.Path.String() // properties["application_name"]: Terraform shows only the block
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Control Character in "+titleWord(v.what),
		fmt.Sprintf("The %s %s. Remove it: a value read with file() or a heredoc often ends in a line break, "+
			"which trimspace() or chomp() removes.", subject, problem))
}

// controlCharProblem describes the first control character of s and its position, or "" when s
// has none.
func controlCharProblem(s string) string {
	position := 0
	for _, r := range s {
		position++
		if r >= 0x20 && r != 0x7f && (r < 0x80 || r > 0x9f) {
			continue
		}
		name := map[rune]string{0: "NUL", '\t': "a tab", '\n': "a line break (LF)", '\r': "a carriage return (CR)", 0x7f: "DEL"}[r]
		if name == "" {
			name = "a control character"
		}
		return fmt.Sprintf("contains %s (U+%04X) at character %d", name, r, position)
	}
	return ""
}

// titleWord capitalises the first letter of each word, for a diagnostic summary.
func titleWord(s string) string {
	words := strings.Fields(strings.ReplaceAll(s, "_", " "))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
