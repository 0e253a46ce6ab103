package pgserver

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// runner runs the PostgreSQL tools, as the postgres user when this process is root.
type runner struct {
	binDir string
	prefix []string // command prefix that switches user; empty when not root
	uid    int      // owner to give the cluster's files; -1 to leave them alone
	gid    int
}

func newRunner(binDir string) (*runner, error) {
	r := &runner{binDir: binDir, uid: -1, gid: -1}
	if os.Geteuid() != 0 {
		return r, nil
	}
	u, err := user.Lookup(superuser)
	if err != nil {
		return nil, fmt.Errorf("running as root, but there is no `%s` user to run PostgreSQL as "+
			"(initdb and postgres refuse root): create it with `useradd --system --user-group %[1]s` "+
			"or run as a non-root user: %w", superuser, err)
	}
	if r.uid, err = strconv.Atoi(u.Uid); err != nil {
		return nil, fmt.Errorf("reading the uid of user %s: %w", superuser, err)
	}
	if r.gid, err = strconv.Atoi(u.Gid); err != nil {
		return nil, fmt.Errorf("reading the gid of user %s: %w", superuser, err)
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		return nil, fmt.Errorf("running as root needs `runuser` (util-linux) to start PostgreSQL as the %s user: "+
			"install util-linux or run as a non-root user: %w", superuser, err)
	}
	r.prefix = []string{runuser, "-u", superuser, "--"}
	return r, nil
}

// tool runs one of the PostgreSQL programs and returns its combined output.
func (r *runner) tool(ctx context.Context, name string, args ...string) (string, error) {
	argv := append(append(append([]string{}, r.prefix...), filepath.Join(r.binDir, name)), args...)
	return r.exec(ctx, argv)
}

func (r *runner) pgctl(ctx context.Context, args ...string) (string, error) {
	return r.tool(ctx, "pg_ctl", args...)
}

func (r *runner) exec(ctx context.Context, argv []string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...) //nolint:gosec // G204: our own tool paths and arguments
	// The C locale keeps tool output, and so our error messages, in English.
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// handOver gives dir and everything in it to the postgres user, then checks that user can
// reach it: a TMPDIR under /root, say, would otherwise fail later with a puzzling initdb error.
func (r *runner) handOver(ctx context.Context, dir string) error {
	if r.uid < 0 {
		return nil
	}
	err := filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// dir is ours, fresh and mode 0700: nobody else can plant a symlink in it.
		return os.Lchown(path, r.uid, r.gid) //nolint:gosec // G122: see above
	})
	if err != nil {
		return fmt.Errorf("giving %s to the %s user: %w", dir, superuser, err)
	}
	if out, err := r.exec(ctx, append(append([]string{}, r.prefix...), "test", "-w", dir)); err != nil {
		return fmt.Errorf("the %s user cannot write to %s, probably because a parent directory is private: "+
			"set TMPDIR to a directory such as /tmp (%v %s)", superuser, dir, err, out)
	}
	return nil
}

// watchdogScript waits for the process $1 to end, then stops the cluster with the command in
// $3... and removes $2. It outlives a test binary that is killed (a timeout, SIGKILL), which
// would otherwise leave a server running and its files behind on a shared machine.
const watchdogScript = `p=$1; root=$2; shift 2
while kill -0 "$p" 2>/dev/null; do sleep 1; done
"$@" >/dev/null 2>&1
rm -rf "$root"`

// watchdog starts the guard for the cluster in dataDir, in a process group of its own so that
// a Ctrl-C to the tests does not stop it before it has cleaned up. It returns nil when it
// cannot start one: the cluster then only goes away through Stop, as before.
func (r *runner) watchdog(parent int, root, dataDir string) *exec.Cmd {
	stop := append(append(append([]string{}, r.prefix...), filepath.Join(r.binDir, "pg_ctl")), "stop", "-D", dataDir, "-m", "immediate")
	args := append([]string{"-c", watchdogScript, "pgserver-watchdog", strconv.Itoa(parent), root}, stop...)
	cmd := exec.Command("/bin/sh", args...) //nolint:gosec // G204: our own script, paths and pid
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil
	}
	return cmd
}
