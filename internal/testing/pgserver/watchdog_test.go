package pgserver

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain doubles as the child process of TestWatchdog: with PGSERVER_WATCHDOG_CHILD=1 it
// starts a server, says where it lives, and waits to be killed.
func TestMain(m *testing.M) {
	if os.Getenv("PGSERVER_WATCHDOG_CHILD") == "1" {
		s, err := Start(context.Background(), Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("root=%s\n", s.root)
		select {} // until killed
	}
	os.Exit(m.Run())
}

// A test binary killed without calling Stop (a timeout, SIGKILL) must not leave its
// PostgreSQL running or its files behind.
func TestWatchdog(t *testing.T) {
	t.Parallel()
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), "PGSERVER_WATCHDOG_CHILD=1")
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	var root string
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if r, ok := strings.CutPrefix(lines.Text(), "root="); ok {
			root = r
			break
		}
	}
	if root == "" {
		_ = child.Process.Kill()
		t.Fatal("the child did not start a server")
	}
	pidText, err := os.ReadFile(filepath.Join(root, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	postmaster, err := strconv.Atoi(strings.SplitN(string(pidText), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}

	if err := child.Process.Kill(); err != nil { // SIGKILL: no chance to call Stop
		t.Fatal(err)
	}
	_ = child.Wait()

	deadline := time.Now().Add(30 * time.Second)
	for {
		_, statErr := os.Stat(root)
		alive := syscall.Kill(postmaster, 0) == nil
		if os.IsNotExist(statErr) && !alive {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("30s after its test process was killed: postmaster alive %t, %s still there %t", alive, root, statErr == nil)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
