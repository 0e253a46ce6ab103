package provider_test

import (
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
)

func TestMain(m *testing.M) { acctest.Main(m) }
