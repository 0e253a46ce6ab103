package provider

import (
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// A create being recovered is matched by what it sent, whatever integrator.io does with an empty
// ssl object (keeps it or drops it) and however it shows the material (masked or as sent).
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
		{"CA sent, none stored", &client.SSL{CA: "pem"}, nil, false},
		{"none sent, CA stored", nil, &client.SSL{CA: client.Masked}, false},
	}
	for _, tt := range tests {
		if got := sameSettings(doc(tt.got), doc(tt.sent)); got != tt.want {
			t.Errorf("%s: sameSettings = %t, want %t", tt.name, got, tt.want)
		}
	}
}
