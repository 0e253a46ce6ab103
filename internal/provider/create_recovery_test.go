package provider

import (
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
