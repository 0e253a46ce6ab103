// Package clirunner runs the real Terraform (or OpenTofu) CLI against a locally built provider
// binary through dev_overrides, capturing everything the CLI writes. The secrets test, the
// benchmark and the examples check use it; the acceptance tests use terraform-plugin-testing.
package clirunner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// ProviderSource is the address configurations use in required_providers.
const ProviderSource = "integratorio/integratorio"

// BuildProvider compiles the provider from the module at moduleRoot into dir and returns the
// binary's path.
func BuildProvider(ctx context.Context, moduleRoot, dir string) (string, error) {
	return BuildProviderFrom(ctx, moduleRoot, ".", dir)
}

// BuildProviderFrom compiles the main package pkg (a path relative to moduleRoot, such as
// "./internal/cmd/integratorio-noop-provider") into dir under the provider's binary name, so that
// dev_overrides can serve it in the provider's place.
func BuildProviderFrom(ctx context.Context, moduleRoot, pkg, dir string) (string, error) {
	bin := filepath.Join(dir, "terraform-provider-integratorio")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir = moduleRoot
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building %s: %w\n%s", pkg, err, out)
	}
	return bin, nil
}

// ModuleRoot walks up from the working directory to the directory holding go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// WriteCLIConfig writes a CLI configuration that takes the provider from providerDir instead
// of a registry, and returns its path.
func WriteCLIConfig(dir, providerDir string) (string, error) {
	path := filepath.Join(dir, "terraformrc")
	content := fmt.Sprintf(`provider_installation {
  dev_overrides {
    %q = %q
  }
  direct {}
}
`, ProviderSource, providerDir)
	return path, os.WriteFile(path, []byte(content), 0o600)
}

// CLI runs one Terraform-compatible binary in one working directory.
type CLI struct {
	Binary    string   // terraform or tofu
	Dir       string   // the configuration's directory
	CLIConfig string   // TF_CLI_CONFIG_FILE
	Env       []string // extra environment, KEY=value; the only source of INTEGRATORIO_* variables
}

// Result is what one command printed, and how long it took.
type Result struct {
	Args     []string
	Stdout   string
	Stderr   string
	Duration time.Duration
	Err      error
}

// Output is stdout and stderr together, for searching and for error messages.
func (r Result) Output() string { return r.Stdout + r.Stderr }

// ExitCode is the CLI's exit status: 0 on success, -1 when it did not run or was killed. A plan
// with -detailed-exitcode exits 2 when it has changes.
func (r Result) ExitCode() int {
	if r.Err == nil {
		return 0
	}
	var exit *exec.ExitError
	if errors.As(r.Err, &exit) {
		return exit.ExitCode()
	}
	return -1
}

// Run runs the CLI with args, without colour or prompts. Err is set when it exits non-zero.
func (c CLI) Run(ctx context.Context, args ...string) Result {
	cmd := exec.CommandContext(ctx, c.Binary, args...)
	cmd.Dir = c.Dir
	cmd.Env = append(environWithout("INTEGRATORIO_"), "TF_CLI_CONFIG_FILE="+c.CLIConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0")
	cmd.Env = append(cmd.Env, c.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := Result{Args: args, Stdout: stdout.String(), Stderr: stderr.String(), Duration: time.Since(start)}
	if err != nil {
		res.Err = fmt.Errorf("%s %s: %w\n%s", filepath.Base(c.Binary), strings.Join(args, " "), err, tail(res.Output(), 4000))
	}
	return res
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// environWithout is the process environment less the variables whose names start with prefix.
// The account a run talks to is the one its Env names: `make testacc` exports INTEGRATORIO_* for
// an emulator of its own, and a test that leaves one out (to see the provider without it) must
// not get that emulator's instead.
func environWithout(prefix string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			env = append(env, kv)
		}
	}
	return env
}
