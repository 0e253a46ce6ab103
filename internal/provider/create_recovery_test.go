package provider

import (
	"reflect"
	"strings"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// A create being recovered is matched by what it sent, whatever integrator.io shows of its ssl
// object: kept or dropped when empty, material masked, returned or left out.
func TestSameSettings_sslAsIntegratorIOShowsIt(t *testing.T) {
	t.Parallel()
	doc := func(ssl *client.SSL) *client.Connection {
		return &client.Connection{Type: client.ConnectionTypeRDBMS, Name: "n", RDBMS: &client.RDBMS{
			Type: client.RDBMSTypePostgreSQL, Host: "h", Database: "d", User: "u", Password: "p", SSL: ssl,
		}}
	}
	tests := []struct {
		name      string
		sent, got *client.SSL
		want      bool
	}{
		{"empty ssl kept", &client.SSL{}, &client.SSL{}, true},
		{"empty ssl dropped", &client.SSL{}, nil, true},
		{"no ssl", nil, nil, true},
		{"CA masked", &client.SSL{CA: "pem"}, &client.SSL{CA: client.Masked}, true},
		{"CA returned", &client.SSL{CA: "pem"}, &client.SSL{CA: "pem"}, true},
		{"key only, masked", &client.SSL{Cert: "c", Key: "k"}, &client.SSL{Cert: client.Masked, Key: client.Masked}, true},
		{"CA left out", &client.SSL{CA: "pem"}, &client.SSL{}, true},
		{"CA left out, empty ssl dropped", &client.SSL{CA: "pem"}, nil, true},
	}
	for _, tt := range tests {
		if got := sameSettings(doc(tt.got), doc(tt.sent)); got != tt.want {
			t.Errorf("%s: sameSettings = %t, want %t", tt.name, got, tt.want)
		}
	}
	other := doc(nil)
	other.RDBMS.Host = "elsewhere"
	if sameSettings(other, doc(nil)) {
		t.Error("a connection to another host matched")
	}
}

// Every field of the connection document a client models is either compared by a recovery or
// named in notRecoveryFields with the reason, so a new field is a decision, not an accident.
func TestRecoveryFields_coverTheDocument(t *testing.T) {
	t.Parallel()
	fields := map[string]bool{}
	for prefix, typ := range map[string]reflect.Type{"": reflect.TypeFor[client.Connection](), "rdbms.": reflect.TypeFor[client.RDBMS]()} {
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				fields[prefix+name] = true
			}
		}
	}
	for f := range fields {
		_, compared := recoveryFields[f]
		_, skipped := notRecoveryFields[f]
		if compared == skipped {
			t.Errorf("document field %s: compared %t, in notRecoveryFields %t; want exactly one", f, compared, skipped)
		}
	}
	for f := range recoveryFields {
		if !fields[f] {
			t.Errorf("recoveryFields names %s, which is not a field of the document", f)
		}
	}
	for f := range notRecoveryFields {
		if !fields[f] {
			t.Errorf("notRecoveryFields names %s, which is not a field of the document", f)
		}
	}
	// Each compared field tells connections apart.
	for f, get := range recoveryFields {
		a, b := fullDocument(), fullDocument()
		set := map[string]func(){
			"type": func() { b.Type = "other" }, "name": func() { b.Name = "other" }, "_agentId": func() { b.AgentID = "other" },
			"_borrowConcurrencyFromConnectionId": func() { b.BorrowConcurrencyFromConnectionID = "other" },
			"rdbms.type":                         func() { b.RDBMS.Type = "other" }, "rdbms.host": func() { b.RDBMS.Host = "other" },
			"rdbms.database": func() { b.RDBMS.Database = "other" }, "rdbms.user": func() { b.RDBMS.User = "other" },
			"rdbms.port": func() { b.RDBMS.Port = 6543 },
		}[f]
		if set == nil {
			t.Errorf("this test cannot change %s: add it to the table above", f)
			continue
		}
		set()
		if get(a) == get(b) || sameSettings(a, b) {
			t.Errorf("connections that differ in %s are taken for the same", f)
		}
	}
}

func fullDocument() *client.Connection {
	return &client.Connection{Type: client.ConnectionTypeRDBMS, Name: "n", AgentID: "a", BorrowConcurrencyFromConnectionID: "b",
		RDBMS: &client.RDBMS{Type: client.RDBMSTypePostgreSQL, Host: "h", Port: 5432, Database: "d", User: "u"}}
}
