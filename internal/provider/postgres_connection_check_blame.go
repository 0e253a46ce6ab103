package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/jackc/pgerrcode"

	"github.com/integratorio/terraform-provider-integratorio/internal/pgcheck"
)

// checkBlame says which attribute of a connection a failed check is about, so that Terraform
// shows the failure on the line to fix instead of on the resource block.
type checkBlame struct {
	passwordAttr string        // "password" or "password_wo", whichever the configuration uses
	ownTimeout   time.Duration // connectivity_check.timeout in force
	ownTimeoutOK bool          // whether connectivity_check.timeout is set in the configuration
	operation    string        // "create" or "update": the timeouts attribute that bounds the check
	operationCut bool          // whether timeouts.<operation> ends before connectivity_check.timeout would
	operationDef time.Duration // timeouts.<operation>'s default
	writeOnly    map[string]string
	useSSL       bool // whether the connection uses TLS: the attribute an unverified server is shown on
}

// newCheckBlame gathers what checkBlame needs from the planned connection, its effective checks
// and the operation's deadline on ctx.
func newCheckBlame(ctx context.Context, m postgresConnectionModel, plan checkPlan) *checkBlame {
	b := &checkBlame{passwordAttr: "password", ownTimeout: plan.timeout, operation: "create", operationDef: defaultCreateTimeout}
	if m.Password.IsNull() && !m.PasswordWOVersion.IsNull() {
		b.passwordAttr = "password_wo"
	}
	if !m.ID.IsNull() && !m.ID.IsUnknown() {
		b.operation, b.operationDef = "update", defaultUpdateTimeout
	}
	if d, ok := ctx.Deadline(); ok && time.Until(d) < plan.timeout {
		b.operationCut = true
	}
	b.ownTimeoutOK = configuredCheckTimeout(ctx, m)
	b.writeOnly = m.writeOnlyInUse()
	b.useSSL = m.UseSSL.ValueBool()
	return b
}

func configuredCheckTimeout(ctx context.Context, m postgresConnectionModel) bool {
	if m.ConnectivityCheck.IsNull() || m.ConnectivityCheck.IsUnknown() {
		return false
	}
	v, ok := m.ConnectivityCheck.Attributes()["timeout"]
	return ok && !v.IsNull()
}

// attribute is the attribute a direct check's failure is about; ok is false when the failure
// is not one attribute's (a pg_hba.conf rule, an unknown error).
func (b *checkBlame) attribute(f *pgcheck.Failure) (p path.Path, ok bool) {
	if b == nil || f == nil {
		return path.Empty(), false
	}
	switch f.Kind {
	case pgcheck.KindAuthentication:
		switch {
		case f.SQLState == pgerrcode.InvalidPassword:
			return path.Root(b.passwordAttr), true
		case f.SQLState == pgerrcode.InvalidAuthorizationSpecification && !strings.Contains(f.Message, "pg_hba.conf"):
			return path.Root("username"), true // the role does not exist or may not log in
		}
		return path.Empty(), false
	case pgcheck.KindServerCertificate:
		return path.Root("ssl_ca"), true
	case pgcheck.KindUnverifiedServer:
		if b.useSSL {
			return path.Root("ssl_verify_server_certificate"), true
		}
		return path.Root("use_ssl"), true
	case pgcheck.KindClientCertificate:
		return path.Root("ssl_certificate"), true
	case pgcheck.KindRefused:
		return path.Root("port"), true
	case pgcheck.KindDatabaseMissing:
		return path.Root("database"), true
	case pgcheck.KindDNS:
		return path.Root("host"), true
	case pgcheck.KindTLSUnsupported:
		return path.Root("use_ssl"), true
	case pgcheck.KindTimeout:
		return b.timeoutAttribute(), true
	}
	return path.Empty(), false
}

// timeoutAttribute is the attribute holding the timeout that ended a check that ran out of time.
// It is the object attribute, not its timeout field: Terraform can show the line of an attribute
// but not of a field inside an object expression.
func (b *checkBlame) timeoutAttribute() path.Path {
	if b.operationCut {
		return path.Root("timeouts")
	}
	return path.Root("connectivity_check")
}

// timeoutAdvice names the timeout to raise for a check that ran out of time.
func (b *checkBlame) timeoutAdvice() string {
	if b == nil {
		return ""
	}
	if b.operationCut {
		return fmt.Sprintf("The check was cut short by timeouts.%[1]s, the time the whole %[1]s may take (%[2]s by default): "+
			"if the server is slow to answer rather than unreachable, raise it, such as timeouts = { %[1]s = \"15m\" }.\n\n",
			b.operation, shortDuration(b.operationDef))
	}
	set := fmt.Sprintf("it is %s", shortDuration(b.ownTimeout))
	if !b.ownTimeoutOK {
		set = fmt.Sprintf("it is not set, so the default %s applies", shortDuration(b.ownTimeout))
	}
	return fmt.Sprintf("The check ran out of connectivity_check.timeout (%s): if the server is slow to answer rather than "+
		"unreachable, raise it, such as connectivity_check = { timeout = \"2m\" }.\n\n", set)
}
