package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/pgserver"
)

func TestWriteFiles(t *testing.T) {
	// -out may name a folder that does not exist yet: the README's by-hand steps rely on it.
	dir := filepath.Join(t.TempDir(), "not", "yet")
	out := filepath.Join(dir, "postgres.json")
	srv := &pgserver.Server{
		Host: "127.0.0.1", Port: 54321, Database: "appdb",
		PasswordUser: "password_user", Password: "secret", CertUser: "cert_user",
		CA: "ca-pem", ServerCert: "server-pem", ClientCert: "client-pem", ClientKey: "client-key",
		ClientKeyEncrypted: "client-key-enc", ClientKeyPassphrase: "phrase",
		WrongCA: "wrong-ca-pem", WrongClientCert: "wrong-client-pem", WrongClientKey: "wrong-client-key",
	}
	written, err := writeFiles(out, srv)
	if err != nil {
		t.Fatalf("writeFiles: %v", err)
	}

	data, err := os.ReadFile(out) //nolint:gosec // G304: our own temporary file
	if err != nil {
		t.Fatalf("reading the settings: %v", err)
	}
	var got settings
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("settings are not JSON: %v", err)
	}
	if got.Port != 54321 || got.Password != "secret" || got.ClientKeyPassphrase != "phrase" {
		t.Errorf("settings %+v do not match the server", got)
	}
	files := map[string]struct {
		path, content string
		mode          os.FileMode
	}{
		"ca":                   {got.CAFile, "ca-pem", 0o644},
		"client key":           {got.ClientKeyFile, "client-key", 0o600},
		"encrypted client key": {got.ClientKeyEncryptedFile, "client-key-enc", 0o600},
		"wrong client cert":    {got.WrongClientCertFile, "wrong-client-pem", 0o644},
		"settings":             {out, string(data), 0o600},
	}
	for name, f := range files {
		if filepath.Dir(f.path) != dir {
			t.Errorf("%s file %q is not beside %s", name, f.path, out)
			continue
		}
		content, err := os.ReadFile(f.path)
		if err != nil {
			t.Errorf("reading the %s file: %v", name, err)
			continue
		}
		info, err := os.Stat(f.path)
		if err != nil {
			t.Errorf("stat of the %s file: %v", name, err)
			continue
		}
		if string(content) != f.content || info.Mode().Perm() != f.mode {
			t.Errorf("%s file %s: content %q, mode %v; want %q, %v", name, f.path, content, info.Mode().Perm(), f.content, f.mode)
		}
	}

	// Everything written is listed for removal, and nothing else is left in the directory.
	for _, p := range written {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			t.Errorf("removing %s: %v", p, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("after removing the listed files, %d remain in %s", len(entries), dir)
	}
}
