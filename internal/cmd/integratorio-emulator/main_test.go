package main

import (
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"

	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseFlags_refusesNonLoopbackAddresses(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:8089", ":8089", "192.168.1.10:8089", "[::]:8089", "example.com:80", "10.0.0.1:0"} {
		_, err := parseFlags([]string{"-addr", addr, "-token", "x"}, env(nil), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
			t.Errorf("-addr %s: err = %v, want a loopback refusal", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "127.0.0.2:8089", "[::1]:8089", "localhost:8089"} {
		if _, err := parseFlags([]string{"-addr", addr, "-token", "x"}, env(nil), io.Discard); err != nil {
			t.Errorf("-addr %s: %v", addr, err)
		}
	}
	if _, err := parseFlags([]string{"-addr", "8089", "-token", "x"}, env(nil), io.Discard); err == nil {
		t.Error("-addr without a port accepted")
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	o, err := parseFlags(nil, env(map[string]string{tokenEnv: "from-env"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := options{addr: "127.0.0.1:8089", tokens: []string{"from-env"}, region: "us", pageSize: 100,
		readings: emulator.Config{PingFailureStatus: 200, ControlsRequireToken: true}}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("defaults %+v, want %+v", o, want)
	}

	o, err = parseFlags([]string{"-token", "a, b", "-token", "c", "-foreign-token", "eu1", "-region", "eu",
		"-page-size", "7", "-latency", "50ms", "-seed-agent", "edge-1", "-seed-agent", "edge-2",
		"-return-certificates", "-omit-certificates", "-drop-empty-ssl", "-save-keeps-offline", "-create-offline", "-password-always-required",
		"-refuse-server-set-fields", "-drop-use-ssl", "-max-limit", "100", "-cursor-paging", "-no-test-endpoint", "-legacy-sandbox",
		"-ping-failure-status", "422", "-scoped-token", "s1,s2", "-scoped-token-scope", `{"connections":"full"}`,
		"-link-host", "api-2.example:8443", "-agent-online-field", "-ping-errors-as-strings"},
		env(map[string]string{tokenEnv: "ignored-when-flags-given"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want = options{addr: "127.0.0.1:8089", tokens: []string{"a", "b", "c"}, foreignTokens: []string{"eu1"},
		region: "eu", pageSize: 7, latency: 50 * time.Millisecond, seedAgents: []string{"edge-1", "edge-2"},
		readings: emulator.Config{ReturnCertificates: true, OmitCertificates: true, DropEmptySSL: true, SaveKeepsOffline: true, CreateOffline: true,
			PasswordAlwaysRequired: true, RefuseServerSetFields: true, DropUseSSL: true, MaxLimit: 100, CursorPaging: true, NoTestEndpoint: true, LegacySandbox: true, PingFailureStatus: 422,
			ScopedTokens: map[string]string{"s1": `{"connections":"full"}`, "s2": `{"connections":"full"}`},
			LinkHost:     "api-2.example:8443", AgentOnlineField: true, PingErrorsAsStrings: true, ControlsRequireToken: true}}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("got %+v, want %+v", o, want)
	}
}

func TestParseFlags_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "pass -token <token> or set INTEGRATORIO_API_TOKEN"},
		{[]string{"-token", " , "}, "pass -token"},
		{[]string{"-token", "x", "-region", "ap"}, `-region "ap"`},
		{[]string{"-token", "x", "-page-size", "0"}, "-page-size 0"},
		{[]string{"-token", "x", "-page-size", "1001"}, "-page-size 1001"},
		{[]string{"-token", "x", "-latency", "-1s"}, "must not be negative"},
		{[]string{"-token", "x", "serve"}, "unexpected arguments"},
		{[]string{"-token", "x", "-scoped-token", "s", "-scoped-token-scope", "{connections}"}, "-scoped-token-scope is not valid JSON"},
	}
	for _, tt := range tests {
		_, err := parseFlags(tt.args, env(nil), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want it to contain %q", tt.args, err, tt.want)
		}
	}
}

func TestRun_refusesNonLoopbackWithExitCode2(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	code := run(t.Context(), []string{"-addr", "0.0.0.0:0", "-token", "tok-secret"}, env(nil), io.Discard, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "not a loopback address") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines to log into.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRun_servesUntilCancelled(t *testing.T) {
	t.Parallel()
	const token = "run-test-token-value"
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-seed-agent", "edge-1"},
			env(map[string]string{tokenEnv: token}), stdoutW, &stderr)
		_ = stdoutW.Close()
	}()

	lines := bufio.NewScanner(stdoutR)
	readLine := func() string {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("stdout ended early; stderr: %s", stderr.String())
		}
		return lines.Text()
	}
	m := regexp.MustCompile(`^integrator\.io emulator listening on (http://127\.0\.0\.1:(\d+)/v1)$`).FindStringSubmatch(readLine())
	if m == nil || m[2] == "0" {
		t.Fatalf("first line does not give the base URL with the real port")
	}
	baseURL := m[1]
	a := regexp.MustCompile(`^seeded online agent "edge-1" with id ([0-9a-f]{24})$`).FindStringSubmatch(readLine())
	if a == nil {
		t.Fatal("no seeded agent line")
	}

	get := func(path string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(res.Body).Decode(&body)
		return res.StatusCode, body
	}
	if status, _ := get("/tokenInfo"); status != http.StatusOK {
		t.Errorf("GET /tokenInfo with the env token: %d", status)
	}
	if status, agent := get("/agents/" + a[1]); status != http.StatusOK || agent["offline"] != false {
		t.Errorf("seeded agent: %d %v, want online", status, agent)
	}
	// The controls hand out unmasked secrets: as a tool, the emulator gives them only to a holder
	// of its token, even on loopback.
	controls := strings.TrimSuffix(baseURL, "/v1") + "/_emulator/connections"
	for name, auth := range map[string]string{"no token": "", "a wrong token": "Bearer not-" + token} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, controls, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "controls need one of its API tokens") {
			t.Errorf("controls with %s: %d %s, want 401", name, res.StatusCode, body)
		}
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, controls, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("controls with the token: %v %v", res, err)
	} else {
		res.Body.Close()
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d after cancellation, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancellation")
	}

	logs := stderr.String()
	if !regexp.MustCompile(`method=GET path=/v1/tokenInfo status=200 duration=`).MatchString(logs) {
		t.Errorf("request not logged: %s", logs)
	}
	if strings.Contains(logs, token) {
		t.Error("the token appears in the logs")
	}
}

func TestParseFlags_allowRemoteRequiresTokenForControls(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{"-addr", "0.0.0.0:8089", "-allow-remote", "-token", "x"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !o.allowRemote || !o.readings.ControlsRequireToken {
		t.Errorf("-allow-remote: %+v, want the controls to require the token", o)
	}
	o, err = parseFlags([]string{"-token", "x"}, env(nil), io.Discard)
	if err != nil || !o.readings.ControlsRequireToken {
		t.Errorf("by default: %+v, %v; want the controls to require the token", o, err)
	}
	o, err = parseFlags([]string{"-controls-require-token=false", "-token", "x"}, env(nil), io.Discard)
	if err != nil || o.readings.ControlsRequireToken {
		t.Errorf("-controls-require-token=false on loopback: %+v, %v", o, err)
	}
	_, err = parseFlags([]string{"-addr", "0.0.0.0:8089", "-allow-remote", "-controls-require-token=false", "-token", "x"}, env(nil), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-controls-require-token=false cannot be used with -allow-remote") {
		t.Errorf("-allow-remote without the token rule: %v", err)
	}
}

// -h says what the emulator is and is not, and lists every control.
func TestRun_helpListsControls(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if code := run(t.Context(), []string{"-h"}, env(nil), io.Discard, &stderr); code != 0 {
		t.Fatalf("-h exited %d", code)
	}
	help := stderr.String()
	for _, want := range []string{"an EMULATOR of the integrator.io REST API, for tests. It is not integrator.io.",
		"It does NOT model:", "-allow-remote", "-controls-require-token", "-readings"} {
		if !strings.Contains(help, want) {
			t.Errorf("-h lacks %q:\n%s", want, help)
		}
	}
	for _, c := range emulator.Controls() {
		if !strings.Contains(help, "  "+c.Method+" "+c.Path+" ") {
			t.Errorf("-h does not list %s %s:\n%s", c.Method, c.Path, help)
		}
	}
}

func TestParseFlags_readings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, readings map[string]string) string {
		path := filepath.Join(dir, name)
		data, _ := json.Marshal(emulator.ReadingsFile{Target: "https://api.integrator.io/v1", Readings: readings})
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	path := write("account.json", map[string]string{"create.offline": "true", "mask.ca": "omitted", "mask.cert": "omitted",
		"ping.fail.status": "422 with errors", "paging.host": "another host: api-2.integrator.io", "auth.401": "401, envelope",
		"save.offline": "not observed: no database (INTEGRATORIO_ACC_PG_*)"})
	o, err := parseFlags([]string{"-token", "x", "-drop-empty-ssl", "-readings", path}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := emulator.Config{CreateOffline: true, OmitCertificates: true, PingFailureStatus: 422, LinkHost: "api-2.integrator.io", DropEmptySSL: true,
		ControlsRequireToken: true}
	if !reflect.DeepEqual(o.readings, want) || !reflect.DeepEqual(o.unplayed, []string{"auth.401"}) {
		t.Errorf("modes %+v (unplayed %v), want %+v (unplayed [auth.401])", o.readings, o.unplayed, want)
	}

	for name, tt := range map[string]struct {
		readings map[string]string
		want     string
	}{
		"no mode plays it":      {map[string]string{"create.offline": "absent"}, `create.offline was observed as "absent", which no emulator mode plays`},
		"a group disagrees":     {map[string]string{"mask.ca": "omitted", "mask.cert": "returned as sent"}, "plays the certificates readings alike"},
		"an empty readings set": {map[string]string{}, "holds no readings"},
	} {
		_, err := parseFlags([]string{"-token", "x", "-readings", write(strings.ReplaceAll(name, " ", "-")+".json", tt.readings)}, env(nil), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tt.want)
		}
	}
}

// With -state, connections, agents and their tokens survive a restart, and a -seed-agent of a name
// already kept is not added twice.
func TestRun_stateKeptBetweenRestarts(t *testing.T) {
	t.Parallel()
	const token = "state-test-token-value"
	state := filepath.Join(t.TempDir(), "emulator-state.json")
	start := func() (baseURL string, agentLine string, stop func()) {
		t.Helper()
		ctx, cancel := context.WithCancel(t.Context())
		stdoutR, stdoutW := io.Pipe()
		var stderr syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-seed-agent", "edge-1", "-state", state},
				env(map[string]string{tokenEnv: token}), stdoutW, &stderr)
			_ = stdoutW.Close()
		}()
		lines := bufio.NewScanner(stdoutR)
		var got []string
		for len(got) < 2 && lines.Scan() {
			got = append(got, lines.Text())
		}
		go func() { _, _ = io.Copy(io.Discard, stdoutR) }()
		if len(got) < 2 {
			t.Fatalf("stdout %q; stderr %s", got, stderr.String())
		}
		m := regexp.MustCompile(`listening on (http://\S+/v1)$`).FindStringSubmatch(got[0])
		if m == nil {
			t.Fatalf("first line %q", got[0])
		}
		return m[1], got[1], func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("exit code %d; stderr %s", code, stderr.String())
			}
		}
	}
	call := func(method, url, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var doc map[string]any
		_ = json.NewDecoder(res.Body).Decode(&doc)
		return res.StatusCode, doc
	}

	baseURL, agentLine, stop := start()
	seeded := regexp.MustCompile(`^seeded online agent "edge-1" with id ([0-9a-f]{24})$`).FindStringSubmatch(agentLine)
	if seeded == nil {
		t.Fatalf("agent line %q", agentLine)
	}
	status, created := call(http.MethodPost, baseURL+"/connections", `{"type":"rdbms","name":"kept","rdbms":{"type":"postgresql",`+
		`"host":"db.example.com","database":"orders","user":"svc","password":"kept-password-1"}}`)
	if status != http.StatusCreated {
		t.Fatalf("POST /connections: %d %v", status, created)
	}
	_, agentToken := call(http.MethodGet, baseURL+"/agents/"+seeded[1]+"/display-token", "")
	stop()

	info, err := os.Stat(state)
	if err != nil {
		t.Fatalf("no state file after the first run: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600: it holds secrets", info.Mode().Perm())
	}

	baseURL, agentLine, stop = start()
	defer stop()
	if want := `agent "edge-1" with id ` + seeded[1] + ` kept from -state`; agentLine != want {
		t.Errorf("second start: %q, want %q", agentLine, want)
	}
	if status, doc := call(http.MethodGet, baseURL+"/connections/"+created["_id"].(string), ""); status != http.StatusOK || doc["name"] != "kept" {
		t.Errorf("the connection after a restart: %d %v", status, doc)
	}
	if _, tok := call(http.MethodGet, baseURL+"/agents/"+seeded[1]+"/display-token", ""); !reflect.DeepEqual(tok, agentToken) {
		t.Errorf("agent token after a restart %v, want %v", tok, agentToken)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, baseURL+"/agents", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var agents []any
	if err := json.NewDecoder(res.Body).Decode(&agents); err != nil || len(agents) != 1 {
		t.Errorf("GET /agents after a restart with the same -seed-agent: %d agents (%v), want 1", len(agents), err)
	}
}
