package pgserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNotInstalled reports that initdb and pg_ctl could not be found. Errors from Start wrap it,
// so callers can tell a machine without PostgreSQL from a server that failed to start.
var ErrNotInstalled = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found")

// installHint is appended to every ErrNotInstalled error.
const installHint = "install them with `apt-get install -y postgresql` (Debian) or set PG_BINDIR"

// debianRoot is where Debian and Ubuntu install one directory per PostgreSQL major version.
const debianRoot = "/usr/lib/postgresql"

// findBinDir returns the directory holding initdb and pg_ctl. An explicit directory (from
// Options or $PG_BINDIR) must hold them; otherwise `pg_config --bindir`, the newest
// /usr/lib/postgresql/*/bin and PATH are tried in that order.
func findBinDir(ctx context.Context, explicit string) (string, error) {
	if explicit != "" {
		if hasServerBinaries(explicit) {
			return explicit, nil
		}
		return "", fmt.Errorf("%w in %s: %s", ErrNotInstalled, explicit, installHint)
	}
	if dir := os.Getenv("PG_BINDIR"); dir != "" {
		if hasServerBinaries(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("%w in PG_BINDIR=%s: %s", ErrNotInstalled, dir, installHint)
	}
	// pg_config ships with the client library too, so its answer is only a candidate.
	if out, err := exec.CommandContext(ctx, "pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); hasServerBinaries(dir) {
			return dir, nil
		}
	}
	for _, dir := range debianBinDirs() {
		if hasServerBinaries(dir) {
			return dir, nil
		}
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		// Resolve symlinks such as /usr/local/bin/initdb so that pg_ctl and postgres are
		// looked up beside the real binary.
		if resolved, err := filepath.EvalSymlinks(initdb); err == nil && hasServerBinaries(filepath.Dir(resolved)) {
			return filepath.Dir(resolved), nil
		}
		if hasServerBinaries(filepath.Dir(initdb)) {
			return filepath.Dir(initdb), nil
		}
	}
	return "", fmt.Errorf("%w: %s", ErrNotInstalled, installHint)
}

// debianBinDirs lists /usr/lib/postgresql/<major>/bin, newest major first.
func debianBinDirs() []string {
	entries, err := os.ReadDir(debianRoot)
	if err != nil {
		return nil
	}
	type candidate struct {
		major int
		dir   string
	}
	var found []candidate
	for _, e := range entries {
		major, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		found = append(found, candidate{major, filepath.Join(debianRoot, e.Name(), "bin")})
	}
	sort.Slice(found, func(i, j int) bool { return found[i].major > found[j].major })
	dirs := make([]string, len(found))
	for i, c := range found {
		dirs[i] = c.dir
	}
	return dirs
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl"} {
		info, err := os.Stat(filepath.Join(dir, name)) //nolint:gosec // G703: dir is where the user told us to look.
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}
