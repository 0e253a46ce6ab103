package provider

import "testing"

func TestDidYouMean(t *testing.T) {
	t.Parallel()
	modes := []string{"cloud", "on_premise"}
	regions := []string{"us", "eu"}
	for _, tc := range []struct {
		value   string
		allowed []string
		want    string
	}{
		{"onpremise", modes, "on_premise"},
		{"on-premise", modes, "on_premise"},
		{"On_Premise", modes, "on_premise"},
		{"onprem", modes, "on_premise"},
		{"clod", modes, "cloud"},
		{"Cloud", modes, "cloud"},
		{"hybrid", modes, ""},
		{"europe", regions, "eu"},
		{"eu-west-1", regions, "eu"},
		{"usa", regions, "us"},
		{"asia", regions, ""},
		{"", regions, ""},
	} {
		if got := didYouMean(tc.value, tc.allowed); got != tc.want {
			t.Errorf("didYouMean(%q) = %q, want %q", tc.value, got, tc.want)
		}
	}
}
