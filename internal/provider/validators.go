package provider

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
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
// does not tell providers which values are sensitive, so no message quotes a part of it that could
// hold a secret: a URL is shown without its user information and query, a user@host form only
// after the @, a connection string ("host=... password=...") not at all, and a bad host name only
// by its offending characters.
func hostProblem(host string) string {
	switch {
	case host == "":
		return "The host is empty. Set it to the database server's name or IP address, such as db.example.com or 10.0.0.5."
	case strings.Contains(host, "://"):
		return urlHostProblem(host)
	case strings.Contains(host, "@"):
		after := host[strings.LastIndex(host, "@")+1:]
		if after == "" || strings.ContainsAny(after, " \t\r\n/") {
			return "The host contains a user name (and perhaps a password) before an @. Write only the database server's " +
				"host name there and put the user in the username attribute and the password in password or password_wo."
		}
		host, port := after, ""
		if h, p, err := net.SplitHostPort(after); err == nil {
			host, port = h, ", port = "+p
		}
		return fmt.Sprintf("The host contains a user name (and perhaps a password) before %q. Write host = %q%s, "+
			"put the user in the username attribute and the password in password or password_wo.", after, host, port)
	case strings.TrimSpace(host) != host || strings.ContainsAny(host, " \t\r\n"):
		if strings.Contains(host, "=") {
			return "The host is a connection string (key=value pairs), not a host name. Write only the host name, such as " +
				"db.example.com, and put each other setting in its own attribute (port, database, username, password)."
		}
		return "The host contains spaces. Write only the host name or IP address, such as db.example.com."
	case strings.Contains(host, "/"):
		return fmt.Sprintf("The host %q contains a path. Write only the host name; the database name goes in the database attribute.", host)
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return fmt.Sprintf("The host %q has an IPv6 zone, which integrator.io cannot use. Write the address without %%%s.", host, addr.Zone())
		}
		return ""
	}
	if strings.HasPrefix(host, "[") {
		inner, port, err := net.SplitHostPort(host)
		if err == nil {
			return fmt.Sprintf("The host %q includes port %s. Write host = %q and port = %s.", host, port, inner, port)
		}
		return fmt.Sprintf("The host %q has brackets. Write the IPv6 address without them, such as %q.", host, strings.Trim(host, "[]"))
	}
	if h, port, err := net.SplitHostPort(host); err == nil && hostProblem(h) == "" {
		return fmt.Sprintf("The host %q includes port %s. Write host = %q and port = %s.", host, port, h, port)
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
			what = fmt.Sprintf("holds %q", bad)
		} else if label != "" {
			what = "starts or ends with a hyphen, or is longer than 63 characters"
		}
		return fmt.Sprintf("The host is not a valid host name: its part number %d (counting the dot-separated parts from the left) %s. "+
			"Each part may hold only letters, digits, hyphens and underscores (1 to 63 of them, not starting or ending with a hyphen). "+
			"Write a host name such as db.example.com or an IP address such as 10.0.0.5.", i+1, what)
	}
	return ""
}

// urlHostProblem explains what to write instead of a URL, quoting only its non-secret parts.
func urlHostProblem(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || hostProblem(u.Hostname()) != "" {
		return "The host is a URL. Write only the host name (such as db.example.com) and put the port in the port attribute, " +
			"the database name in database, the user in username and the password in password or password_wo."
	}
	advice := fmt.Sprintf("host = %q", u.Hostname())
	if p := u.Port(); p != "" {
		advice += ", port = " + p
	}
	if db := strings.Trim(u.Path, "/"); db != "" && !strings.Contains(db, "/") {
		advice += fmt.Sprintf(" and database = %q", db)
	}
	shown := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	detail := fmt.Sprintf("The host is a URL (%s", shown.String())
	if u.User != nil || u.RawQuery != "" {
		detail += ", shown without its user name, password and parameters"
	}
	detail += "). Write only the host name and put the port in the port attribute and the database name in the database attribute: " + advice + "."
	if u.User != nil {
		detail += " Put the user in the username attribute and the password in password or password_wo."
	}
	return detail
}

// invalidHostChars returns the characters of a host name label that no host name may hold,
// once each, in the order they appear.
func invalidHostChars(label string) string {
	var out []rune
	for _, r := range label {
		ok := r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok && !strings.ContainsRune(string(out), r) {
			out = append(out, r)
		}
	}
	return string(out)
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
