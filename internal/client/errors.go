package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinels for errors.Is: a *APIError matches the one for its HTTP status.
var (
	ErrNotFound     = errors.New("not found")         // 404
	ErrUnauthorized = errors.New("unauthorized")      // 401: token missing, wrong or of another region
	ErrForbidden    = errors.New("forbidden")         // 403
	ErrValidation   = errors.New("validation failed") // 422
	ErrRateLimited  = errors.New("rate limited")      // 429, once the retries ran out
)

// ErrOutcomeUnknown matches the error of a call that is not safe to repeat
// (ConnectionsService.Create) when its request may have reached the server but no usable answer
// came back. The object may exist: look it up before creating it again.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// redacted replaces the API token wherever a server or transport echoes it back.
const redacted = "[REDACTED]"

// Bounds on what an error carries from a response body.
const (
	maxErrorBody    = 1 << 20 // bytes read from an error response
	maxExcerptRunes = 200     // runes kept of a body that is not the JSON error envelope
	maxFieldRunes   = 1000    // runes kept of one code, message or field
)

// ErrorDetail is one entry of the API's error envelope {"errors":[{code, message, field}]}.
type ErrorDetail struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Field   string `json:"field,omitempty"` // the document path at fault, such as "rdbms.host"
}

// UnmarshalJSON accepts a code (or message, or field) given as a string or a number: ping
// failures report codes such as 401. An entry that is not an object at all, such as the plain
// string some ping failures hold ({"errors":["connection refused"]}), is its message.
func (d *ErrorDetail) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] != '{' {
		var text flexText
		if err := json.Unmarshal(t, &text); err != nil {
			return err
		}
		*d = ErrorDetail{Message: string(text)}
		return nil
	}
	var raw struct {
		Code    flexText `json:"code"`
		Message flexText `json:"message"`
		Field   flexText `json:"field"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*d = ErrorDetail{Code: string(raw.Code), Message: string(raw.Message), Field: string(raw.Field)}
	return nil
}

// flexText decodes a JSON string as itself and any other scalar or value as its JSON text.
type flexText string

func (f *flexText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexText(s)
	default:
		*f = flexText(b)
	}
	return nil
}

// APIError is a response the API refused (a non-2xx status), or a ping that failed (any status,
// with an "errors" array in its body). Code, Message and Field repeat the first entry of Errors.
type APIError struct {
	StatusCode int
	Code       string
	Message    string
	Field      string
	Errors     []ErrorDetail
	Method     string // HTTP method of the request, such as "POST"
	Path       string // path of the request below the base URL, such as "/connections"
}

// Error reads like "integrator.io API: POST /connections: 422 invalid: host is required (field
// rdbms.host)".
func (e *APIError) Error() string {
	return fmt.Sprintf("integrator.io API: %s %s: %s", e.Method, e.Path, e.summary())
}

// summary is Error without the request, for errors that wrap an APIError.
func (e *APIError) summary() string {
	var b strings.Builder
	details, sep := e.Errors, " " // "422 invalid: host is required"
	switch {
	case e.StatusCode >= 200 && e.StatusCode < 300:
		b.WriteString("test failed")
		sep = ": "
	case len(details) == 0:
		// No envelope: name the status, then whatever else is known ("502 Bad Gateway: ...").
		b.WriteString(strconv.Itoa(e.StatusCode))
		if text := http.StatusText(e.StatusCode); text != "" {
			b.WriteString(" " + text)
		}
		sep = ": "
	default:
		b.WriteString(strconv.Itoa(e.StatusCode))
	}
	if len(details) == 0 && (e.Code != "" || e.Message != "" || e.Field != "") {
		details = []ErrorDetail{{Code: e.Code, Message: e.Message, Field: e.Field}}
	}
	for i, d := range details {
		if i == 0 {
			b.WriteString(sep)
		} else {
			b.WriteString("; ")
		}
		writeDetail(&b, d)
	}
	return b.String()
}

func writeDetail(b *strings.Builder, d ErrorDetail) {
	switch {
	case d.Code != "" && d.Message != "":
		b.WriteString(d.Code + ": " + d.Message)
	case d.Message != "":
		b.WriteString(d.Message)
	case d.Code != "":
		b.WriteString(d.Code)
	default:
		b.WriteString("no message")
	}
	if d.Field != "" {
		b.WriteString(" (field " + d.Field + ")")
	}
}

// Is makes errors.Is(err, ErrNotFound) and the other status sentinels work.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrValidation:
		return e.StatusCode == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// errorEnvelope is the documented error body, plus top-level code and message that some
// gateways and legacy endpoints send instead.
type errorEnvelope struct {
	Errors  []ErrorDetail `json:"errors"`
	Code    flexText      `json:"code"`
	Message flexText      `json:"message"`
}

// parseErrorDetails reads the error envelope. ok is false when the body is not a JSON object of
// that shape (an HTML page from a proxy, say).
func parseErrorDetails(body []byte) (details []ErrorDetail, ok bool) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, false
	}
	var env errorEnvelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return nil, false
	}
	if len(env.Errors) == 0 && (env.Code != "" || env.Message != "") {
		return []ErrorDetail{{Code: string(env.Code), Message: string(env.Message)}}, true
	}
	return env.Errors, true
}

// hasErrorsArray reports whether body is a JSON object with a non-empty "errors" array: what
// marks a failed ping even under a 2xx status. A top-level "code" alone does not count, since a
// successful legacy ping answers {"code":200}.
func hasErrorsArray(body []byte) bool {
	var env struct {
		Errors []json.RawMessage `json:"errors"`
	}
	trimmed := bytes.TrimSpace(body)
	return len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &env) == nil && len(env.Errors) > 0
}

// newAPIError builds the error for a response. Everything taken from the body is cleaned of
// control characters, bounded in length and stripped of the token.
func (c *Client) newAPIError(cl *call, resp *response) *APIError {
	status, body := resp.status, resp.body
	e := &APIError{StatusCode: status, Method: cl.method, Path: cl.path}
	details, ok := parseErrorDetails(body)
	for _, d := range details {
		e.Errors = append(e.Errors, ErrorDetail{
			Code:    c.clean(d.Code, maxFieldRunes),
			Message: c.clean(d.Message, maxFieldRunes),
			Field:   c.clean(d.Field, maxFieldRunes),
		})
	}
	if len(e.Errors) > 0 {
		e.Code, e.Message, e.Field = e.Errors[0].Code, e.Errors[0].Message, e.Errors[0].Field
		return e
	}
	switch {
	case status >= 300 && status < 400:
		e.Message = "unexpected redirect"
		if loc := resp.header.Get("Location"); loc != "" {
			e.Message += " to " + c.clean(loc, maxExcerptRunes)
		}
		e.Message += ": check the base URL"
	case !ok && len(bytes.TrimSpace(body)) > 0:
		if b := bytes.TrimSpace(body); b[0] == '{' || b[0] == '[' {
			e.Message = "unexpected response: " + c.excerpt(body)
		} else {
			e.Message = "unexpected non-JSON response: " + c.excerpt(body)
		}
	}
	return e
}

// excerpt condenses a body that is not JSON (typically an HTML error page) to one short line.
func (c *Client) excerpt(body []byte) string {
	s := strings.ToValidUTF8(string(body), "?")
	if looksLikeHTML(s) {
		if title := htmlTitle(s); strings.TrimSpace(title) != "" {
			s = title
		} else {
			s = stripTags(s)
		}
	}
	return c.clean(s, maxExcerptRunes)
}

// clean makes server-provided text safe to show: one line, no control characters, no token, at
// most maxRunes runes. Redaction runs before truncation so that no prefix of the token survives.
func (c *Client) clean(s string, maxRunes int) string {
	s = strings.ToValidUTF8(s, "?")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
	}), " ")
	s = c.redact(s)
	if utf8.RuneCountInString(s) > maxRunes {
		s = string([]rune(s)[:maxRunes]) + "…"
	}
	return s
}

// redact removes the token from s.
func (c *Client) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, redacted)
}

func looksLikeHTML(s string) bool {
	head := strings.ToLower(strings.TrimSpace(s))
	if len(head) > 512 {
		head = head[:512]
	}
	return strings.HasPrefix(head, "<!doctype html") || strings.Contains(head, "<html") ||
		strings.Contains(head, "<head") || strings.Contains(head, "<body") || strings.Contains(head, "<title")
}

func htmlTitle(s string) string {
	lower := strings.ToLower(s)
	start := strings.Index(lower, "<title")
	if start < 0 {
		return ""
	}
	open := strings.IndexByte(lower[start:], '>')
	if open < 0 {
		return ""
	}
	from := start + open + 1
	end := strings.Index(lower[from:], "</title")
	if end < 0 {
		return ""
	}
	return s[from : from+end]
}

func stripTags(s string) string {
	var b strings.Builder
	inTag := false
	for _, r := range s {
		switch {
		case r == '<':
			inTag = true
		case r == '>' && inTag:
			inTag = false
			b.WriteByte(' ')
		case !inTag:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// chainError carries a finished, token-free message and the errors it wraps.
type chainError struct {
	msg  string
	errs []error
}

func (e *chainError) Error() string   { return e.msg }
func (e *chainError) Unwrap() []error { return e.errs }
