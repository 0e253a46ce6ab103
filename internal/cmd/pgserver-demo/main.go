// Command pgserver-demo runs a throwaway PostgreSQL server with TLS until it receives SIGINT or
// SIGTERM, then stops it and deletes everything it created.
//
// It writes the certificates and keys as PEM files in the directory of -out (created if missing),
// then the settings
// as JSON to -out itself (written last and atomically, so a script may wait for that file):
//
//	pgserver-demo -out /tmp/demo/postgres.json &
//
// The JSON holds the login password and key passphrase; the files are readable by their owner
// only. Nothing secret is printed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/pgserver"
)

// settings is the JSON document written to -out. File paths are absolute.
type settings struct {
	Host                   string `json:"host"`
	Port                   int    `json:"port"`
	Database               string `json:"database"`
	PasswordUser           string `json:"password_user"`
	Password               string `json:"password"`
	CertUser               string `json:"cert_user"`
	ClientKeyPassphrase    string `json:"client_key_passphrase"`
	ServerVersion          string `json:"server_version"`
	CAFile                 string `json:"ca_file"`
	ServerCertFile         string `json:"server_cert_file"`
	ClientCertFile         string `json:"client_cert_file"`
	ClientKeyFile          string `json:"client_key_file"`
	ClientKeyEncryptedFile string `json:"client_key_encrypted_file"`
	WrongCAFile            string `json:"wrong_ca_file"`
	WrongClientCertFile    string `json:"wrong_client_cert_file"`
	WrongClientKeyFile     string `json:"wrong_client_key_file"`
}

func main() {
	out := flag.String("out", "", "`file` to write the settings JSON to; PEM files are written beside it (required)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: pgserver-demo -out settings.json")
		flag.PrintDefaults()
		os.Exit(2)
	}
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "pgserver-demo:", err)
		os.Exit(1)
	}
}

func run(out string) (err error) {
	out, err = filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("resolving -out: %w", err)
	}
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()

	srv, err := pgserver.Start(ctx, pgserver.Options{})
	if err != nil {
		return err
	}
	var written []string
	defer func() {
		// Remove the files before the server so a script waiting on them sees the end first.
		for _, f := range written {
			if rmErr := os.Remove(f); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
				err = errors.Join(err, rmErr)
			}
		}
		if stopErr := srv.Stop(); stopErr != nil {
			err = errors.Join(err, fmt.Errorf("stopping PostgreSQL: %w", stopErr))
		}
	}()

	written, err = writeFiles(out, srv)
	if err != nil {
		return err
	}
	fmt.Printf("pgserver-demo: PostgreSQL %s on %s (TLS on; users %s and %s, database %s); settings in %s; stop with Ctrl-C or SIGTERM\n",
		srv.Version(), srv.Addr(), srv.PasswordUser, srv.CertUser, srv.Database, out)

	<-ctx.Done()
	fmt.Println("pgserver-demo: stopping and removing the cluster and its files")
	return nil
}

// writeFiles writes the PEM files and then the settings, and returns every path written, even
// on error, so the caller can remove them.
func writeFiles(out string, srv *pgserver.Server) ([]string, error) {
	dir := filepath.Dir(out)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the directory of -out: %w", err)
	}
	s := settings{
		Host:                srv.Host,
		Port:                srv.Port,
		Database:            srv.Database,
		PasswordUser:        srv.PasswordUser,
		Password:            srv.Password,
		CertUser:            srv.CertUser,
		ClientKeyPassphrase: srv.ClientKeyPassphrase,
		ServerVersion:       srv.Version(),
	}
	pems := []struct {
		name, content string
		secret        bool
		path          *string
	}{
		{"ca.pem", srv.CA, false, &s.CAFile},
		{"server.pem", srv.ServerCert, false, &s.ServerCertFile},
		{"client.pem", srv.ClientCert, false, &s.ClientCertFile},
		{"client.key", srv.ClientKey, true, &s.ClientKeyFile},
		{"client-encrypted.key", srv.ClientKeyEncrypted, true, &s.ClientKeyEncryptedFile},
		{"wrong-ca.pem", srv.WrongCA, false, &s.WrongCAFile},
		{"wrong-client.pem", srv.WrongClientCert, false, &s.WrongClientCertFile},
		{"wrong-client.key", srv.WrongClientKey, true, &s.WrongClientKeyFile},
	}
	var written []string
	for _, p := range pems {
		path := filepath.Join(dir, p.name)
		mode := os.FileMode(0o644)
		if p.secret {
			mode = 0o600
		}
		written = append(written, path)
		if err := os.WriteFile(path, []byte(p.content), mode); err != nil {
			return written, fmt.Errorf("writing %s: %w", path, err)
		}
		*p.path = path
	}

	// The password belongs in this file: the demo reads it from here.
	data, err := json.MarshalIndent(s, "", "  ") //nolint:gosec // G117: see above
	if err != nil {
		return written, fmt.Errorf("encoding the settings: %w", err)
	}
	// Write then rename, so the file appears complete or not at all.
	tmp := out + ".tmp"
	written = append(written, tmp, out)
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return written, fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return written, fmt.Errorf("writing %s: %w", out, err)
	}
	return written, nil
}
