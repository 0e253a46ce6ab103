package provider_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// sweepMinAge is how old a tf-acc- connection must be before `make sweep` deletes it, so that a
// sweep never pulls a connection from under a test that is still running.
const sweepMinAge = time.Hour

func init() {
	resource.AddTestSweepers("integratorio_postgres_connection", &resource.Sweeper{
		Name: "integratorio_postgres_connection",
		F:    sweepConnections,
	})
}

// sweepConnections is the sweeper. Its region argument (the -sweep value) is not used: the
// account is the one INTEGRATORIO_API_TOKEN, INTEGRATORIO_BASE_URL and INTEGRATORIO_REGION name.
func sweepConnections(string) error {
	c, err := acctest.ClientFromEnv()
	if err != nil {
		return err
	}
	deleted, err := acctest.SweepConnections(context.Background(), c, time.Now(), sweepMinAge)
	log.Printf("[INFO] sweeper: deleted %d %s connections older than %s: %v", len(deleted), acctest.NamePrefix, sweepMinAge, deleted)
	return err
}

// The sweeper deletes tf-acc- connections older than an hour and leaves every other one: younger
// tf-acc- ones (a test may be using them), and any whose name merely resembles the prefix.
// Not parallel: it sets the account variables for the sweeper.
func TestSweeper_deletesOnlyOldTestConnections(t *testing.T) {
	var mu sync.Mutex
	clock := time.Now().Add(-3 * time.Hour)
	token := acctest.RandomToken()
	emu := emulator.New(emulator.Config{
		Tokens: []string{token},
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return clock
		},
	})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	c, err := client.New(client.WithBaseURL(srv.URL+"/v1"), client.WithToken(token))
	if err != nil {
		t.Fatal(err)
	}
	create := func(name string, age time.Duration) {
		mu.Lock()
		clock = time.Now().Add(-age)
		mu.Unlock()
		_, err := c.Connections.Create(t.Context(), &client.Connection{
			Type: client.ConnectionTypeRDBMS, Name: name,
			RDBMS: &client.RDBMS{Type: client.RDBMSTypePostgreSQL, Host: "db.example.com", Database: "d", User: "u", Password: "p"},
		})
		if err != nil {
			t.Fatalf("creating %q: %v", name, err)
		}
	}
	create("tf-acc-old-1", 2*time.Hour)
	create("tf-acc-old-2", 61*time.Minute)
	create("tf-acc-young", 50*time.Minute)
	create("Orders DB", 3*time.Hour)
	create("TF-ACC-upper-case", 3*time.Hour)
	create("my-tf-acc-copy", 3*time.Hour)
	create("tf-acc", 3*time.Hour)

	t.Setenv(acctest.EnvToken, token)
	t.Setenv(acctest.EnvBaseURL, srv.URL+"/v1")
	t.Setenv(acctest.EnvRegion, "")
	if err := sweepConnections("all"); err != nil {
		t.Fatalf("sweeper: %v", err)
	}
	left, err := c.Connections.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, conn := range left {
		names = append(names, conn.Name)
	}
	sort.Strings(names)
	want := []string{"Orders DB", "TF-ACC-upper-case", "my-tf-acc-copy", "tf-acc", "tf-acc-young"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Fatalf("after the sweep the account holds %q, want %q", names, want)
	}
}

// Without an account named, the sweeper fails saying which variable to set.
func TestSweeper_needsAToken(t *testing.T) {
	t.Setenv(acctest.EnvToken, "")
	err := sweepConnections("all")
	if err == nil || !strings.Contains(err.Error(), "INTEGRATORIO_API_TOKEN is not set") {
		t.Fatalf("sweeper without a token: %v", err)
	}
}
