package emulator

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits from the API documentation.
const (
	maxNameLength       = 100
	minConcurrencyLevel = 1
	maxConcurrencyLevel = 50
	defaultPort         = 5432
)

// errorList collects 422 field errors; every problem is reported, not only the first.
type errorList []apiError

func (l *errorList) missing(field, message string) {
	*l = append(*l, apiError{Code: codeMissingField, Field: field, Message: field + " " + message})
}

func (l *errorList) invalid(field, message string) {
	*l = append(*l, apiError{Code: codeInvalidValue, Field: field, Message: field + " " + message})
}

func (l errorList) has(field string) bool {
	for _, e := range l {
		if e.Field == field {
			return true
		}
	}
	return false
}

// optionalText reads a string field. present is false when it is absent or null; a value of
// another type is reported and read as "".
func (l *errorList) optionalText(m map[string]any, key, field string) (s string, present bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", false
	}
	s, isString := v.(string)
	if !isString {
		l.invalid(field, "must be a string")
	}
	return s, true
}

// requiredText reads a string field that must be present and not blank.
func (l *errorList) requiredText(m map[string]any, key, field string) string {
	s, _ := l.optionalText(m, key, field)
	if strings.TrimSpace(s) == "" && !l.has(field) {
		l.missing(field, "is required")
	}
	return s
}

// object reads an optional JSON object field.
func (l *errorList) object(m map[string]any, key, field string) (map[string]any, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, false
	}
	obj, ok := v.(map[string]any)
	if !ok {
		l.invalid(field, "must be an object")
	}
	return obj, ok
}

func (l *errorList) name(doc map[string]any) {
	if name := l.requiredText(doc, "name", "name"); utf8.RuneCountInString(name) > maxNameLength {
		l.invalid("name", fmt.Sprintf("must be at most %d characters", maxNameLength))
	}
}

// otherConnectionTypes are connection types besides "rdbms" that the emulator stores without
// checking their settings (integrator.io's connection schema lists these and more).
var otherConnectionTypes = []string{"as2", "dynamodb", "ftp", "http", "jdbc", "mongodb", "netsuite", "rest", "s3", "salesforce", "wrapper"}

// validateConnection checks what the API checks on a create or replace, apart from references
// to other documents (see Server.checkReferences).
func (s *Server) validateConnection(doc map[string]any) errorList {
	var l errorList
	l.name(doc)
	typ := l.requiredText(doc, "type", "type")
	switch {
	case typ == "" || typ == "rdbms" || l.has("type"):
	case slices.Contains(otherConnectionTypes, typ):
		// Stored as given, so that listings hold more than PostgreSQL connections (the list
		// resource must skip them); their own settings are not checked.
		l.optionalText(doc, "_agentId", "_agentId")
		l.object(doc, typ, typ)
		return l
	default:
		l.invalid("type", fmt.Sprintf("%q is not a connection type this emulator knows; use \"rdbms\" or one of %s",
			typ, strings.Join(otherConnectionTypes, ", ")))
	}
	l.optionalText(doc, "_agentId", "_agentId")
	l.optionalText(doc, "_borrowConcurrencyFromConnectionId", "_borrowConcurrencyFromConnectionId")

	rdbms, ok := l.object(doc, "rdbms", "rdbms")
	if !ok {
		if !l.has("rdbms") {
			l.missing("rdbms", "is required for a connection of type rdbms")
		}
		return l
	}
	// Any RDBMS flavour may be stored; only postgresql can be tested (see ping.go).
	l.requiredText(rdbms, "type", "rdbms.type")
	l.requiredText(rdbms, "host", "rdbms.host")
	l.requiredText(rdbms, "database", "rdbms.database")
	l.requiredText(rdbms, "user", "rdbms.user")
	password, _ := l.optionalText(rdbms, "password", "rdbms.password")

	var ca, cert, key string
	if ssl, ok := l.object(rdbms, "ssl", "rdbms.ssl"); ok {
		ca, _ = l.optionalText(ssl, "ca", "rdbms.ssl.ca")
		cert, _ = l.optionalText(ssl, "cert", "rdbms.ssl.cert")
		key, _ = l.optionalText(ssl, "key", "rdbms.ssl.key")
		l.optionalText(ssl, "passphrase", "rdbms.ssl.passphrase")
		switch {
		case cert != "" && key == "" && !l.has("rdbms.ssl.key"):
			l.missing("rdbms.ssl.key", "is required when rdbms.ssl.cert is set")
		case key != "" && cert == "" && !l.has("rdbms.ssl.cert"):
			l.missing("rdbms.ssl.cert", "is required when rdbms.ssl.key is set")
		}
	}
	// The UI waives the password only when the CA, the certificate and the key are all given;
	// Celigo's schema lists it as required for PostgreSQL (Config.PasswordAlwaysRequired).
	switch certLogin := ca != "" && cert != "" && key != ""; {
	case password != "" || l.has("rdbms.password"):
	case s.cfg.PasswordAlwaysRequired:
		l.missing("rdbms.password", "is required")
	case !certLogin:
		l.missing("rdbms.password", "is required unless rdbms.ssl.ca, rdbms.ssl.cert and rdbms.ssl.key are all set")
	}

	if v, ok := rdbms["port"]; ok && v != nil && v != "" {
		if p, ok := wholeNumber(v, true); !ok || p < 1 || p > math.MaxUint16 {
			l.invalid("rdbms.port", "must be a whole number from 1 to 65535")
		}
	}
	if v, ok := rdbms["concurrencyLevel"]; ok && v != nil {
		if n, ok := wholeNumber(v, false); !ok || n < minConcurrencyLevel || n > maxConcurrencyLevel {
			l.invalid("rdbms.concurrencyLevel",
				fmt.Sprintf("must be a whole number from %d to %d", minConcurrencyLevel, maxConcurrencyLevel))
		}
	}
	if v, ok := rdbms["useSSL"]; ok && v != nil {
		if _, ok := v.(bool); !ok {
			l.invalid("rdbms.useSSL", "must be a boolean")
		}
	}
	if v, ok := rdbms["disableStrictSSL"]; ok && v != nil {
		if _, ok := v.(bool); !ok {
			l.invalid("rdbms.disableStrictSSL", "must be a boolean")
		}
	}
	l.options(rdbms)
	return l
}

func (l *errorList) options(rdbms map[string]any) {
	v, ok := rdbms["options"]
	if !ok || v == nil {
		return
	}
	options, ok := v.([]any)
	if !ok {
		l.invalid("rdbms.options", "must be an array of {name, value} objects")
		return
	}
	for i, o := range options {
		field := fmt.Sprintf("rdbms.options[%d]", i)
		obj, ok := o.(map[string]any)
		if !ok {
			l.invalid(field, "must be an object with name and value")
			continue
		}
		l.requiredText(obj, "name", field+".name")
		l.optionalText(obj, "value", field+".value")
	}
}

// validateAgent checks an agent document on create or replace.
func validateAgent(doc map[string]any) errorList {
	var l errorList
	l.name(doc)
	l.optionalText(doc, "description", "description")
	l.optionalText(doc, "version", "version")
	if v, ok := doc["port"]; ok && v != nil {
		if _, isString := v.(string); !isString {
			if _, isNumber := wholeNumber(v, false); !isNumber {
				l.invalid("port", "must be a string or a whole number")
			}
		}
	}
	return l
}

// wholeNumber reads an integer from decoded JSON (json.Number, or float64 for documents built
// in Go), and from a numeric string when allowStrings is set (old documents store ports so).
func wholeNumber(v any, allowStrings bool) (int64, bool) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > math.MaxInt32 {
			return 0, false
		}
		return int64(v), true
	case int:
		return int64(v), true
	case string:
		if !allowStrings {
			return 0, false
		}
		s = v
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// normalise does to a valid document what the service does when it saves one: it lowers the
// concurrency level to the licence and, with Config.DropEmptySSL, drops an ssl object without
// material.
func (s *Server) normalise(doc map[string]any) {
	lowerConcurrency(doc, s.cfg.ConcurrencyLicence)
	rdbms, _ := doc["rdbms"].(map[string]any)
	if s.cfg.DropUseSSL {
		delete(rdbms, "useSSL")
	}
	if !s.cfg.DropEmptySSL {
		return
	}
	if ssl, ok := rdbms["ssl"].(map[string]any); ok && !hasSSLMaterial(ssl) {
		delete(rdbms, "ssl")
	}
}

// hasSSLMaterial reports whether an ssl object holds a CA, a certificate or a key: what the UI's
// "Use SSL" box is derived from.
func hasSSLMaterial(ssl map[string]any) bool {
	for _, k := range []string{"ca", "cert", "key"} {
		if v, _ := ssl[k].(string); v != "" {
			return true
		}
	}
	return false
}

// lowerConcurrency quietly caps rdbms.concurrencyLevel at the account licence, as the service
// does. The document must have passed validateConnection.
func lowerConcurrency(doc map[string]any, licence int) {
	rdbms, _ := doc["rdbms"].(map[string]any)
	if n, ok := wholeNumber(rdbms["concurrencyLevel"], false); ok && n > int64(licence) {
		rdbms["concurrencyLevel"] = json.Number(strconv.Itoa(licence))
	}
}

// checkReferences reports references to documents that do not exist. self is the id of the
// connection being replaced ("" on create). The caller holds s.mu.
func (s *Server) checkReferences(doc map[string]any, self string) errorList {
	var l errorList
	if id, _ := doc["_agentId"].(string); id != "" {
		if _, ok := s.agents.get(id); !ok {
			l = append(l, apiError{Code: codeInvalidReference, Field: "_agentId",
				Message: fmt.Sprintf("_agentId: no agent has the id %q", id)})
		}
	}
	if id, _ := doc["_borrowConcurrencyFromConnectionId"].(string); id != "" {
		const field = "_borrowConcurrencyFromConnectionId"
		if _, ok := s.conns.get(id); id == self || !ok {
			msg := fmt.Sprintf("%s: no other connection has the id %q", field, id)
			if id == self {
				msg = field + ": a connection cannot borrow concurrency from itself"
			}
			l = append(l, apiError{Code: codeInvalidReference, Field: field, Message: msg})
		}
	}
	return l
}
