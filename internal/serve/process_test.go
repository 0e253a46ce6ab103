package serve

import (
	"os"
	"runtime/debug"
	"slices"
	"testing"
)

// unsetenv removes name for the test and restores it after.
func unsetenv(t *testing.T, name string) {
	t.Helper()
	t.Setenv(name, "")
	_ = os.Unsetenv(name)
}

func TestQuietUncollectedLogs(t *testing.T) {
	if !slices.Contains(QuietLogEnvVars, "TF_LOG_PROVIDER_INTEGRATORIO") {
		t.Fatalf("QuietLogEnvVars = %q: the provider's own logger (terraform-plugin-go reads TF_LOG_PROVIDER_INTEGRATORIO) is missing", QuietLogEnvVars)
	}
	cases := []struct {
		name  string
		env   map[string]string // set before; others among TF_LOG* are unset
		quiet bool
	}{
		{name: "no log asked for", quiet: true},
		{name: "empty values count as unset", env: map[string]string{"TF_LOG": "", "TF_LOG_PROVIDER": ""}, quiet: true},
		{name: "TF_LOG", env: map[string]string{"TF_LOG": "trace"}},
		{name: "TF_LOG_PATH", env: map[string]string{"TF_LOG_PATH": "/tmp/tf.log"}},
		{name: "a provider log level", env: map[string]string{"TF_LOG_PROVIDER": "debug"}},
		{name: "this provider's log level", env: map[string]string{"TF_LOG_PROVIDER_INTEGRATORIO": "trace"}},
		{name: "an SDK subsystem", env: map[string]string{"TF_LOG_SDK_PROTO": "trace"}},
	}
	all := append([]string{"TF_LOG", "TF_LOG_PATH", "TF_LOG_CORE"}, QuietLogEnvVars...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, name := range all {
				unsetenv(t, name)
			}
			for name, value := range tc.env {
				t.Setenv(name, value)
			}
			QuietUncollectedLogs()
			for _, name := range QuietLogEnvVars {
				got, want := os.Getenv(name), tc.env[name]
				if tc.quiet {
					want = "off"
				}
				if got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

// The provider's collector settings apply only where the user has none: GOGC or GOMEMLIMIT set
// leaves the runtime as the user configured it, and the defaults set no memory limit.
func TestGarbageCollectionDefaults(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	limit := debug.SetMemoryLimit(-1) // -1 reads the limit without changing it

	for _, tc := range []struct {
		name, gogc, gomemlimit string
		wantPercent            int
	}{
		{"no settings", "", "", 300},
		{"GOGC set", "150", "", 100},
		{"GOMEMLIMIT set", "", "1GiB", 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", tc.gogc)
			t.Setenv("GOMEMLIMIT", tc.gomemlimit)
			debug.SetGCPercent(100)
			GarbageCollectionDefaults()
			if got := debug.SetGCPercent(100); got != tc.wantPercent {
				t.Errorf("GOGC=%q GOMEMLIMIT=%q: the collector's percent is %d, want %d", tc.gogc, tc.gomemlimit, got, tc.wantPercent)
			}
			if got := debug.SetMemoryLimit(-1); got != limit {
				t.Errorf("the memory limit is %d, want it unchanged (%d)", got, limit)
			}
		})
	}
}
