package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

func TestRedactor_everyFormOfEverySecret(t *testing.T) {
	t.Parallel()
	s := secrets{Password: `p@ss "word"/1`, Key: "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----", Passphrase: "open sesame"}
	r := newRedactor(s)
	for _, leak := range []string{s.Password, "p%40ss+%22word%22%2F1", "p@ss%20%22word%22%2F1", `p@ss \"word\"/1`,
		s.Key, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", s.Passphrase} {
		got := r.text("the service said: " + leak + ".")
		if got != "the service said: "+redactedSecret+"." {
			t.Errorf("text(%q) = %q", leak, got)
		}
	}
	if got := newRedactor(secrets{Password: "abc"}).text("abc abc"); got != "abc abc" {
		t.Errorf("a secret shorter than %d characters was redacted: %q", minRedactedLen, got)
	}

	var diags diag.Diagnostics
	diags.AddAttributeError(path.Root("password_wo"), "Test Failed", "login as svc:"+s.Password+" refused")
	diags.AddWarning("Saved But Offline", "key "+s.Key)
	diags.AddError("Untouched", "nothing secret")
	out := r.diagnostics(diags)
	if len(out) != 3 {
		t.Fatalf("%d diagnostics, want 3", len(out))
	}
	for _, d := range out {
		if strings.Contains(d.Detail(), s.Password) || strings.Contains(d.Detail(), "MIIEvQ") {
			t.Errorf("%s still holds a secret: %s", d.Summary(), d.Detail())
		}
	}
	if p, ok := out[0].(diag.DiagnosticWithPath); !ok || !p.Path().Equal(path.Root("password_wo")) || out[0].Severity() != diag.SeverityError {
		t.Errorf("the attribute error lost its path or severity: %#v", out[0])
	}
	if out[1].Severity() != diag.SeverityWarning || out[2] != diags[2] {
		t.Errorf("severities or untouched diagnostics changed: %#v", out)
	}
}
