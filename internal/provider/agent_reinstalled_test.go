package provider_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/clirunner"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// An agent reinstalled under its old name leaves the old one listed, offline: the lookup by name
// picks the one online, with a warning that names the other.
func TestEmulatorCLI_agentReinstalledUnderItsName(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	old := addAgent(t, env, emulator.AgentSpec{Name: "dc1-agent"})
	current := addAgent(t, env, emulator.AgentSpec{Name: "dc1-agent", Online: true})
	cli := newCLI(t, env)
	out, err := cliOutput(t, cli, `
data "integratorio_agent" "dc1" {
  name = "dc1-agent"
}
output "id" {
  value = data.integratorio_agent.dc1.id
}
`, "apply", "-auto-approve", "-no-color")
	if err != nil {
		t.Fatalf("the lookup failed:\n%s", out)
	}
	wantIn(t, out, "Warning: Several Agents Have This Name", `2 agents are named "dc1-agent"; the only one online, `+current+`, was chosen`,
		"The others: "+old+" (offline, it has never connected).", `id = "`+current+`"`)
}

// With no agent of the name online, or several, the error lists them with their state.
func TestEmulatorAgentDataSource_namesakesNoneOnline(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	a := addAgent(t, env, emulator.AgentSpec{Name: "gone"})
	b := addAgent(t, env, emulator.AgentSpec{Name: "gone"})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
data "integratorio_agent" "a" {
  name = "gone"
}
`,
			ExpectError: acctest.ErrorText("Several Agents Have This Name", `2 agents are named "gone" and none of them is online`,
				a+" (offline, it has never connected)", b+" (offline, it has never connected)"),
		}},
	})
}

// The examples leave require_online unset: it would block every plan, destroy included, while the
// agent is offline, and connections check their agent themselves.
func TestExamples_leaveRequireOnlineUnset(t *testing.T) {
	t.Parallel()
	root, err := clirunner.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	setting := regexp.MustCompile(`(?m)^\s*require_online\s*=\s*true`)
	err = filepath.WalkDir(filepath.Join(root, "examples"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".tf" {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && setting.Match(b) {
			t.Errorf("%s sets require_online = true", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
