package acctest_test

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// runLiveTarget runs scripts/testacc-live.sh with only the given variables (and PATH, HOME) set,
// and returns its exit code and output.
func runLiveTarget(t *testing.T, env map[string]string) (int, string) {
	t.Helper()
	root, err := clirunner.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "bash", filepath.Join(root, "scripts", "testacc-live.sh"))
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running the live target: %v", err)
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

// Without a token and a database, `make testacc-live` stops at once, naming what to set; it asks
// nothing (stdin is not read) and contacts nothing.
func TestLiveTarget_refusesWithoutSettings(t *testing.T) {
	t.Parallel()
	code, out := runLiveTarget(t, map[string]string{"INTEGRATORIO_ACC_PG_HOST": "db.example.com"})
	if code != 2 {
		t.Fatalf("exit code %d, want 2; output:\n%s", code, out)
	}
	for _, want := range []string{
		"testacc-live: not started: set INTEGRATORIO_API_TOKEN INTEGRATORIO_ACC_PG_PORT INTEGRATORIO_ACC_PG_DATABASE " +
			"INTEGRATORIO_ACC_PG_USER INTEGRATORIO_ACC_PG_PASSWORD.",
		"INTEGRATORIO_REGION", "INTEGRATORIO_ACC_PG_CA", "INTEGRATORIO_ACC_AGENT", "See CONTRIBUTING.md",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, out)
		}
	}
	if first, _, _ := strings.Cut(out, "\n"); strings.Contains(first, "INTEGRATORIO_ACC_PG_HOST") {
		t.Errorf("the refusal asks for INTEGRATORIO_ACC_PG_HOST, which is set: %s", first)
	}
}

// A token the account does not accept stops it before any test runs, without printing the token.
func TestLiveTarget_tokenNotAccepted(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is missing: run `scripts/install-tools.sh utils`")
	}
	srv := httptest.NewServer(emulator.New(emulator.Config{Tokens: []string{"the-right-token"}}))
	t.Cleanup(srv.Close)
	const wrong = "tf-acc-wrong-token-0123"
	code, out := runLiveTarget(t, map[string]string{
		"INTEGRATORIO_API_TOKEN": wrong, "INTEGRATORIO_BASE_URL": srv.URL + "/v1",
		"INTEGRATORIO_ACC_PG_HOST": "db.example.com", "INTEGRATORIO_ACC_PG_PORT": "5432", "INTEGRATORIO_ACC_PG_DATABASE": "d",
		"INTEGRATORIO_ACC_PG_USER": "u", "INTEGRATORIO_ACC_PG_PASSWORD": "p",
	})
	want := "testacc-live: " + srv.URL + "/v1/tokenInfo answered 401: the token is not accepted there " +
		"(check it, and INTEGRATORIO_BASE_URL or INTEGRATORIO_REGION)"
	if code != 1 || !strings.Contains(out, want) {
		t.Fatalf("exit code %d, output:\n%s\nwant exit code 1 and %q", code, out, want)
	}
	if strings.Contains(out, wrong) {
		t.Fatalf("the output holds the token:\n%s", out)
	}
}
