package emulator

import (
	"context"
	"errors"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/pgcheck"
	"github.com/integratorio/terraform-provider-integratorio/internal/tlsmaterial"
)

// PostgresPinger returns the default Pinger: a real PostgreSQL login with the connection's
// settings through the same checker the provider uses, so integrator.io's connection test is a
// real one in the emulator too. Refusals and time-outs are retried within timeout.
func PostgresPinger(timeout time.Duration) Pinger {
	return func(ctx context.Context, t PingTarget) error {
		s := pgcheck.Settings{
			Host: t.Host, Port: t.Port, Database: t.Database, User: t.User, Password: t.Password,
			UseSSL: t.SSL != nil, VerifyServerCertificate: !t.DisableStrictSSL, Timeout: timeout,
			// integrator.io's driver answers whatever authentication the server asks for: the
			// provider's direct check keeps a password from an unverified server, the service does not.
			AllowPasswordToUnverifiedServer: true,
		}
		if t.SSL != nil {
			s.SSL = tlsmaterial.Material{CA: t.SSL.CA, Cert: t.SSL.Cert, Key: t.SSL.Key, Passphrase: t.SSL.Passphrase}
		}
		if len(t.Options) > 0 {
			s.Options = make(map[string]string, len(t.Options))
			for _, o := range t.Options {
				s.Options[o.Name] = o.Value
			}
		}
		_, err := pgcheck.Check(ctx, s)
		var f *pgcheck.Failure
		if errors.As(err, &f) {
			// The service reports what failed, not a Terraform-specific hint.
			return &PingError{Code: "connection_failed", Message: f.Message}
		}
		return err
	}
}
