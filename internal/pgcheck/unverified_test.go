package pgcheck

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/pgserver"
	"github.com/integratorio/terraform-provider-integratorio/internal/tlsmaterial"
)

// TestCheckKeepsPasswordFromUnverifiedServer: a server whose identity the check does not verify
// gets no password it could keep or replay. Each impostor asks for the password in another way;
// the check refuses before answering, with a message naming what to set.
func TestCheckKeepsPasswordFromUnverifiedServer(t *testing.T) {
	t.Parallel()
	const password = "impostor-bait-9f4c2e"
	cleartext, md5, scramNoBinding := pgserver.AuthCleartext, pgserver.AuthMD5, pgserver.AuthSCRAMNoPlus
	tests := []struct {
		name     string
		tls      bool
		ca       string // ssl_ca given with ssl_verify_server_certificate = false
		auth     pgserver.Auth
		wantKind Kind
		want     []string // in the message and hint
	}{
		{"cleartext, TLS not verified", true, "", cleartext, KindUnverifiedServer,
			[]string{"the password was not sent", "did not offer SCRAM-SHA-256-PLUS", "ssl_verify_server_certificate = false without ssl_ca",
				"Set ssl_ca", "allow_password_to_unverified_server = true"}},
		{"MD5, TLS not verified", true, "", md5, KindUnverifiedServer, []string{"the password was not sent", "Set ssl_ca"}},
		{"SCRAM without channel binding, TLS not verified", true, "", scramNoBinding, KindUnverifiedServer,
			[]string{"did not offer SCRAM-SHA-256-PLUS"}},
		{"cleartext, no TLS", false, "", cleartext, KindUnverifiedServer,
			[]string{"the password was not sent", "in cleartext or as MD5", "use_ssl = false", "Set use_ssl = true with ssl_ca",
				"allow_password_to_unverified_server = true"}},
		{"MD5, no TLS", false, "", md5, KindUnverifiedServer, []string{"in cleartext or as MD5"}},
		// With ssl_ca the impostor's certificate is refused before any login: host names are not
		// checked, the chain is.
		{"cleartext, ssl_ca given but host names not verified", true, srv.CA, cleartext, KindServerCertificate,
			[]string{"is not signed by the configured ssl_ca", "ssl_ca is checked even with ssl_verify_server_certificate = false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			im := pgserver.StartImpostor(t, tt.auth, tt.tls)
			s := Settings{Host: im.Host, Port: im.Port, Database: "db", User: "app", Password: password,
				UseSSL: tt.tls, SSL: tlsmaterial.Material{CA: tt.ca}, Timeout: 5 * time.Second}
			_, err := Check(t.Context(), s)
			var failure *Failure
			if !errors.As(err, &failure) {
				t.Fatalf("Check = %v; want a *Failure", err)
			}
			if got := im.Received(); len(got) != 0 {
				t.Fatalf("the impostor received %q", got)
			}
			text := failure.Message + ". " + failure.Hint
			if failure.Kind != tt.wantKind {
				t.Errorf("Kind = %q, want %q: %s", failure.Kind, tt.wantKind, text)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("failure lacks %q:\n%s", w, text)
				}
			}
			if failure.Attempts != 1 {
				t.Errorf("%d attempts; a refusal is final", failure.Attempts)
			}
			assertNoSecrets(t, failure, true, password)

			// The opt-out sends it: the impostor shows what would have leaked.
			s.AllowPasswordToUnverifiedServer = true
			if tt.ca != "" {
				return // the certificate still fails first
			}
			if _, err := Check(t.Context(), s); err == nil {
				t.Fatal("Check passed against an impostor")
			}
			got := im.Received()
			if len(got) != 1 {
				t.Fatalf("with the opt-out the impostor received %q; want one answer", got)
			}
			if strings.HasPrefix(tt.name, "cleartext") && got[0] != password {
				t.Errorf("the impostor received %q; want the password itself", got[0])
			}
		})
	}
}
