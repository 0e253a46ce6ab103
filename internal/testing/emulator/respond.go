package emulator

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// Error codes the emulator answers with. The API documents only the envelope and that codes
// are stable strings; these follow its naming style.
const (
	codeUnauthorized     = "unauthorized"
	codeNotFound         = "not_found"
	codeMethodNotAllowed = "method_not_allowed"
	codeRateLimited      = "rate_limited"
	codeInvalidJSON      = "invalid_json"
	codeUnsupportedMedia = "unsupported_media_type"
	codeTooLarge         = "request_too_large"
	codeInvalidQuery     = "invalid_query_params" // as the developer portal names it
	codeMissingField     = "missing_required_field"
	codeInvalidValue     = "invalid_value"
	codeInvalidReference = "invalid_ref" // as the developer portal names it
	codeConnectionFailed = "connection_failed"
	codeInternal         = "internal_error"
)

// maxBodyBytes bounds request bodies: a connection document with a CA chain, a certificate
// and a key is a few kilobytes.
const maxBodyBytes = 1 << 20

// apiError is one element of the error envelope. Code is usually a string, but a failed
// connection test may carry a number such as 401, as the real service does.
type apiError struct {
	Code    any    `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

type envelope struct {
	Errors []apiError `json:"errors"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Documents are decoded JSON, so this is a bug in the emulator, not bad input.
		status = http.StatusInternalServerError
		body, _ = json.Marshal(envelope{Errors: []apiError{{Code: codeInternal, Message: "cannot encode the response"}}})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeErrors(w http.ResponseWriter, status int, errs ...apiError) {
	writeJSON(w, status, envelope{Errors: errs})
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeErrors(w, status, apiError{Code: code, Message: message})
}

func writeNoContent(w http.ResponseWriter) {
	w.WriteHeader(http.StatusNoContent)
}

// readDocument decodes a request body that must be a JSON object, answering 415, 413 or 400
// itself when it is not. Numbers are kept as json.Number so they round-trip exactly.
func readDocument(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	if !isJSONMediaType(r.Header.Get("Content-Type")) {
		writeError(w, http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			"the request body must be JSON: send Content-Type: application/json")
		return nil, false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.UseNumber()
	var v any
	if err := decodeOne(dec, &v); err != nil {
		writeBodyError(w, err)
		return nil, false
	}
	doc, ok := v.(map[string]any)
	if !ok {
		writeError(w, http.StatusBadRequest, codeInvalidJSON, "the request body must be a JSON object")
		return nil, false
	}
	return doc, true
}

// readControl decodes the body of a /_emulator control into v. Unknown fields are refused so
// a typo in a test's fault rule fails loudly instead of being ignored.
func readControl(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := decodeOne(dec, v); err != nil {
		writeBodyError(w, err)
		return false
	}
	return true
}

var errTrailingData = errors.New("unexpected data after the JSON value")

// decodeOne decodes exactly one JSON value and refuses anything after it.
func decodeOne(dec *json.Decoder, v any) error {
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("the request body is empty")
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errTrailingData
	}
	return nil
}

func writeBodyError(w http.ResponseWriter, err error) {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		writeError(w, http.StatusRequestEntityTooLarge, codeTooLarge, "the request body is too large")
		return
	}
	writeError(w, http.StatusBadRequest, codeInvalidJSON, "malformed JSON: "+err.Error())
}

func isJSONMediaType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}
