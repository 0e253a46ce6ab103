package provider

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// connectionIDFromImport returns the connection id an import names: the id itself, or the
// address of the connection's page in integrator.io, copied from the browser, which holds it.
// problem says what to write instead when neither is given.
func connectionIDFromImport(raw string) (id, problem string) {
	raw = strings.TrimSpace(raw)
	if objectIDPattern.MatchString(raw) {
		return raw, ""
	}
	example := "Import with the connection's 24-hexadecimal-character id, such as 62beb2c2a0f5f2144816f818, " +
		"or with the address of its page in integrator.io, which holds the id."
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", fmt.Sprintf("%q is not an integrator.io connection id. %s", raw, example)
	}
	var ids []string
	for _, segment := range strings.Split(u.Path, "/") {
		if objectIDPattern.MatchString(segment) && !slices.Contains(ids, segment) {
			ids = append(ids, segment)
		}
	}
	shown := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path} // never its user information or query
	switch len(ids) {
	case 1:
		return ids[0], ""
	case 0:
		return "", fmt.Sprintf("The address %s holds no connection id. %s", shown.String(), example)
	default:
		return "", fmt.Sprintf("The address %s holds several ids (%s), so which connection to import is not clear. "+
			"Import with the connection's id alone.", shown.String(), strings.Join(ids, ", "))
	}
}
