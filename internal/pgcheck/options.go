package pgcheck

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
)

// Options are integrator.io's driver options (rdbms.options): "additional database driver
// connection options ... (e.g., connection timeout, charset, application name)". Their names
// are those of integrator.io's driver, which is not published, so a check never fails on a name
// it does not know. It tries what it can from here, by this table (names compared without case):
//
//	connectTimeout, connect_timeout, loginTimeout   seconds: bound each connection attempt
//	connectionTimeoutMillis                         milliseconds: the same
//	ApplicationName                                 application_name (pgJDBC's name)
//	currentSchema                                   search_path (pgJDBC's name)
//	application_name                                sent in the startup message
//	any other name                                  a PostgreSQL run-time parameter, set after
//	                                                login with set_config
//
// A name PostgreSQL does not know, or will not set in a session, is not tried: Result.NotTried
// names it with the reason. A value PostgreSQL refuses for a parameter it knows fails the check.
type optionKind int

const (
	optionRunTime optionKind = iota
	optionConnectTimeoutSeconds
	optionConnectTimeoutMillis
)

// optionAliases maps the lower-cased driver names the check understands to what they are.
var optionAliases = map[string]struct {
	kind      optionKind
	parameter string // the PostgreSQL run-time parameter, for optionRunTime
}{
	"connecttimeout":          {kind: optionConnectTimeoutSeconds},
	"connect_timeout":         {kind: optionConnectTimeoutSeconds},
	"logintimeout":            {kind: optionConnectTimeoutSeconds},
	"connectiontimeoutmillis": {kind: optionConnectTimeoutMillis},
	"applicationname":         {kind: optionRunTime, parameter: "application_name"},
	"currentschema":           {kind: optionRunTime, parameter: "search_path"},
}

// NotTried is an option the check could not apply from here, and why.
type NotTried struct {
	Name   string // as given
	Reason string
}

// plannedOptions is what the check does with Settings.Options.
type plannedOptions struct {
	connectTimeout  time.Duration // 0 when no option bounds the connection attempt
	applicationName string        // "" when no option sets it
	runTime         []runTimeOption
	notTried        []NotTried
}

type runTimeOption struct{ name, parameter, value string }

// planOptions sorts the options by the table above, in name order so results are stable.
func planOptions(options map[string]string) plannedOptions {
	var p plannedOptions
	names := make([]string, 0, len(options))
	for name := range options {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		value := options[name]
		alias, known := optionAliases[strings.ToLower(name)]
		parameter := name
		if known && alias.kind == optionRunTime {
			parameter = alias.parameter
		}
		switch {
		case known && alias.kind != optionRunTime:
			n, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil || n <= 0 {
				p.notTried = append(p.notTried, NotTried{Name: name, Reason: "its value is not a positive number"})
				continue
			}
			unit := time.Second
			if alias.kind == optionConnectTimeoutMillis {
				unit = time.Millisecond
			}
			d := time.Duration(n * float64(unit))
			if p.connectTimeout == 0 || d < p.connectTimeout {
				p.connectTimeout = d
			}
		case strings.EqualFold(parameter, "application_name"):
			p.applicationName = value
		default:
			p.runTime = append(p.runTime, runTimeOption{name: name, parameter: parameter, value: value})
		}
	}
	return p
}

// applyRunTimeOptions sets each run-time parameter in the open session. It returns the options
// PostgreSQL would not set, or a Failure for a value it refused.
func (c *checker) applyRunTimeOptions(ctx context.Context, conn *pgconn.PgConn, options []runTimeOption) ([]NotTried, error) {
	var notTried []NotTried
	for _, o := range options {
		_, err := conn.ExecParams(ctx, "SELECT set_config($1, $2, false)",
			[][]byte{[]byte(o.parameter), []byte(o.value)}, nil, nil, nil).Close()
		var pgErr *pgconn.PgError
		switch {
		case err == nil:
		case errors.As(err, &pgErr) && pgErr.Code == pgerrcode.UndefinedObject:
			notTried = append(notTried, NotTried{Name: o.name, Reason: "PostgreSQL has no run-time parameter of that name"})
		case errors.As(err, &pgErr) && (pgErr.Code == pgerrcode.CantChangeRuntimeParam || pgErr.Code == pgerrcode.InsufficientPrivilege):
			notTried = append(notTried, NotTried{Name: o.name, Reason: "PostgreSQL does not let this user set it in a session: " + pgErr.Message})
		case errors.As(err, &pgErr) && pgErr.Code == pgerrcode.InvalidParameterValue:
			return nil, c.newFailure(KindOther,
				fmt.Sprintf("PostgreSQL refused the value of properties key %q: %s", o.name, pgErr.Message),
				fmt.Sprintf("Correct the value of %q in properties, or remove the key.", o.name), err)
		default:
			return nil, err
		}
	}
	return notTried, nil
}
