package provider_test

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// withEcho is the provider under test plus the echo provider, which copies an ephemeral value
// (here only a hash of the token) into a resource's state so that a test can look at it.
func withEcho() map[string]func() (tfprotov6.ProviderServer, error) {
	f := maps.Clone(acctest.ProviderFactories)
	f["echo"] = echoprovider.NewProviderServer()
	return f
}

// tokenHashConfig opens the agent token and echoes its SHA-256, never the token itself.
const tokenHashConfig = `
ephemeral "integratorio_agent_token" "a" {
  agent_id = %q
}
provider "echo" {
  data = sha256(ephemeral.integratorio_agent_token.a.access_token)
}
resource "echo" "token_hash" {}
`

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// The agent INTEGRATORIO_ACC_AGENT names: the ephemeral resource opens the token integrator.io
// shows for it (compared by hash, so the token reaches no state, even the test's).
func TestAccAgentToken_opensTheAgentsToken(t *testing.T) {
	t.Parallel()
	tg := acctest.Live(t)
	agent := acctest.LiveAgent(t)
	c := tg.Client(t)
	agents, err := c.Agents.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, a := range agents {
		if a.Name == agent {
			id = a.ID
		}
	}
	if id == "" {
		t.Fatalf("no agent is named %q", agent)
	}
	token, err := c.Agents.AccessToken(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: withEcho(),
		CheckDestroy:             tg.CheckConnectionsDestroyed(t),
		Steps: []resource.TestStep{{
			Config: tg.ProviderConfig() + fmt.Sprintf(tokenHashConfig, id),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.token_hash", tfjsonpath.New("data"), knownvalue.StringExact(sha256Hex(token))),
			},
		}},
	})
}

// What the user reads when the agent does not exist or the API token may not see agents.
func TestEmulatorAgentToken_errors(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	scoped := scopedEnv(t, emulator.Config{}, `{"connections":"full"}`)
	id := addAgent(t, scoped, emulator.AgentSpec{Name: "edge", Online: true})
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: withEcho(),
		Steps: []resource.TestStep{
			{
				Config:      env.ProviderConfig() + fmt.Sprintf(tokenHashConfig, "aaaaaaaaaaaaaaaaaaaaaaaa"),
				ExpectError: acctest.ErrorText("Agent Not Found", "No agent with id aaaaaaaaaaaaaaaaaaaaaaaa exists in this integrator.io account"),
			},
			{
				Config: scoped.ProviderConfig() + fmt.Sprintf(tokenHashConfig, id),
				ExpectError: acctest.ErrorText("Token Lacks Agent Access", "refused to show the access token of agent "+id,
					"The API token lacks access to on-premise agents", "GET /v1/agents/{id}/display-token"),
			},
			{
				Config:      env.ProviderConfig() + fmt.Sprintf(tokenHashConfig, "EDGE"),
				ExpectError: acctest.ErrorText("Invalid Agent ID"),
			},
		},
	})
}

// TestEmulatorAgentToken_neverStored feeds an agent's token into a write-only argument through
// the real CLI with TF_LOG=trace, proves it arrived (the emulator stored it), then searches the
// state, the plan file (its JSON and every file inside it), every command's output and the trace
// log for it.
func TestEmulatorAgentToken_neverStored(t *testing.T) {
	t.Parallel()
	acctest.SkipCLIBelow(t, 1, 11, "ephemeral resources feeding a write-only argument")
	env := acctest.NewEnv(t, emulator.Config{})
	id := addAgent(t, env, emulator.AgentSpec{Name: "edge-agent", Online: true})
	c, err := client.New(client.WithToken(env.Token), client.WithBaseURL(env.URL))
	if err != nil {
		t.Fatal(err)
	}
	token, err := c.Agents.AccessToken(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	cli := newCLI(t, env)
	logFile := filepath.Join(t.TempDir(), "terraform.log")
	cli.Env = append(cli.Env, "TF_LOG=trace", "TF_LOG_PATH="+logFile)
	writeFile(t, cli.Dir, "main.tf", fmt.Sprintf(`
terraform {
  required_providers {
    integratorio = { source = %[1]q }
  }
}
provider "integratorio" {}

data "integratorio_agents" "edge" {
  name_prefix = "edge-"
}

ephemeral "integratorio_agent_token" "edge" {
  agent_id = data.integratorio_agents.edge.ids[0]
}

# Any write-only argument will do: here a connection's password_wo carries the token to
# integrator.io, where the test can see that it arrived.
resource "integratorio_postgres_connection" "carrier" {
  name                = "token carrier"
  host                = "db.example.com"
  database            = "d"
  username            = "u"
  password_wo         = ephemeral.integratorio_agent_token.edge.access_token
  password_wo_version = 1
  connectivity_check  = { direct = false, via_api = false }
}
`, clirunner.ProviderSource))

	ctx := t.Context()
	var outputs []clirunner.Result
	run := func(args ...string) clirunner.Result {
		t.Helper()
		r := cli.Run(ctx, args...)
		outputs = append(outputs, r)
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		return r
	}
	run("plan", "-no-color", "-out=plan.bin")
	planJSON := run("show", "-json", "plan.bin")
	planFiles := unzipText(t, filepath.Join(cli.Dir, "plan.bin"))
	run("apply", "-auto-approve", "-no-color", "plan.bin")
	run("plan", "-no-color", "-detailed-exitcode") // the token is read again, and nothing changes
	stateJSON := run("show", "-json")
	stateFile, err := os.ReadFile(filepath.Join(cli.Dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}

	stored := env.Emulator.Connections()
	if len(stored) != 1 {
		t.Fatalf("%d connections stored", len(stored))
	}
	if rdbms, _ := stored[0]["rdbms"].(map[string]any); rdbms["password"] != token {
		t.Fatal("the token did not reach the write-only argument: the emulator holds another password")
	}
	run("destroy", "-auto-approve", "-no-color")

	logBytes, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(logBytes) < 10000 {
		t.Fatalf("the trace log holds only %d bytes: TF_LOG=trace did not take effect", len(logBytes))
	}
	if !strings.Contains(string(logBytes), "read an agent's access token") {
		t.Error("the trace log does not show the provider reading the token: the search would prove nothing")
	}
	places := map[string]string{
		"the TF_LOG=trace log": string(logBytes), "terraform show -json (plan)": planJSON.Stdout,
		"terraform show -json (state)": stateJSON.Stdout, "terraform.tfstate": string(stateFile),
	}
	for name, text := range planFiles {
		places["the plan file's "+name] = text
	}
	for i, r := range outputs {
		places[fmt.Sprintf("output of command %d (%s)", i, strings.Join(r.Args, " "))] = r.Output()
	}
	for name, text := range places {
		if strings.Contains(text, token) {
			t.Errorf("the agent token appears in %s", name)
		}
	}
	t.Logf("searched %d places (state, plan file with %d members, %d command outputs, a %d-byte trace log): the token is in none",
		len(places), len(planFiles), len(outputs), len(logBytes))
}

// unzipText returns every member of a zip file (a saved plan) as text.
func unzipText(t *testing.T, path string) map[string]string {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := map[string]string{}
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(b)
	}
	return out
}
