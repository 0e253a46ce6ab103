package provider

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// redactedSecret replaces a secret in text, as pgcheck does in its own failures.
const redactedSecret = "*****"

// minRedactedLen is the shortest secret redacted: a one-letter password would garble every
// message and hide nothing (pgcheck uses the same bound).
const minRedactedLen = 4

// redactor removes one request's secrets (password, client key, passphrase) from text that came
// from integrator.io or a database driver: a service message may quote what it was sent, as a
// driver error quoting its connection string does. Every diagnostic a call that handles secrets
// returns goes through it (redactDiagnostics), so no message path can forget it. Each secret is
// also matched as it appears escaped in a URL or a JSON string.
type redactor struct{ forms []string }

func newRedactor(s secrets) redactor {
	var r redactor
	for _, secret := range []string{s.Password, s.Key, s.Passphrase} {
		if len(secret) < minRedactedLen {
			continue
		}
		quoted, _ := json.Marshal(secret)
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret),
			strings.Trim(string(quoted), `"`)} {
			if !slices.Contains(r.forms, form) {
				r.forms = append(r.forms, form)
			}
		}
		// A PEM key may be quoted one line at a time (a driver echoing what it could not parse).
		for _, line := range strings.Split(secret, "\n") {
			if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") && !slices.Contains(r.forms, line) {
				r.forms = append(r.forms, line)
			}
		}
	}
	return r
}

// text returns s without any of the secrets.
func (r redactor) text(s string) string {
	for _, form := range r.forms {
		s = strings.ReplaceAll(s, form, redactedSecret)
	}
	return s
}

// diagnostics returns diags with every summary and detail redacted, paths and severities kept.
func (r redactor) diagnostics(diags diag.Diagnostics) diag.Diagnostics {
	if len(r.forms) == 0 {
		return diags
	}
	out := make(diag.Diagnostics, 0, len(diags))
	for _, d := range diags {
		summary, detail := r.text(d.Summary()), r.text(d.Detail())
		if summary == d.Summary() && detail == d.Detail() {
			out = append(out, d)
			continue
		}
		var rebuilt diag.Diagnostic
		if d.Severity() == diag.SeverityWarning {
			rebuilt = diag.NewWarningDiagnostic(summary, detail)
		} else {
			rebuilt = diag.NewErrorDiagnostic(summary, detail)
		}
		if withPath, ok := d.(diag.DiagnosticWithPath); ok {
			rebuilt = diag.WithPath(withPath.Path(), rebuilt)
		}
		out = append(out, rebuilt)
	}
	return out
}

// context masks the secrets in every log line written with the returned context: field values
// (the client's retry warnings carry service messages) and messages alike.
func (r redactor) context(ctx context.Context) context.Context {
	if len(r.forms) == 0 {
		return ctx
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, r.forms...)
	return tflog.MaskMessageStrings(ctx, r.forms...)
}

// maskSecrets keeps the secrets out of every log line written with this context.
func maskSecrets(ctx context.Context, s secrets) context.Context {
	var values []string
	for _, v := range []string{s.Password, s.Key, s.Passphrase} {
		if v != "" {
			values = append(values, v)
		}
	}
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "password", "key", "passphrase")
	return tflog.MaskAllFieldValuesStrings(ctx, values...)
}
