package main

import (
	"io"
	"strings"
	"testing"
)

// The scale targets from a report with the figures of a real run (bench of 2026-12-01): which are
// met, and what the table prints for each.
func TestScaleTargets(t *testing.T) {
	rep := &report{Operations: []opReport{
		{Op: opRefresh, N: 500, ProviderMedianS: 2.37, ProviderCPUMedianS: 1.52, PeakBytes: 52_300_000, PeakMiB: 49.9},
		{Op: opRefreshNoop, N: 500, ProviderMedianS: 1.62},
		{Op: opRefreshDecode, N: 500, ProviderMedianS: 1.66},
		{Op: opRefreshBaseline, N: 500, ProviderCPUMedianS: 2.23},
		{Op: opRefresh, N: 2000, ProviderMedianS: 7.10, PeakBytes: 58_400_000, PeakMiB: 55.7},
		{Op: opRefreshNoop, N: 2000, ProviderMedianS: 6.00},
	}}
	got := map[string]target{}
	for _, tg := range scaleTargets(rep) {
		got[tg.Name] = tg
	}
	for name, want := range map[string]struct {
		met      bool
		measured string
	}{
		"refresh time N=500 vs the no-op provider":      {false, "2.37s vs 1.62s = 1.46×; vs the decode floor 1.66s = 1.43×"},
		"refresh time N=2000 vs the no-op provider":     {true, "7.10s vs 6.00s = 1.18×"},
		"provider CPU per refresh N=500 vs -baseline":   {true, "1.52s vs 2.23s = 32% less"},
		"provider peak memory, refresh N=2000":          {true, "55.7 MiB (VmHWM)"},
		"provider peak memory, refresh N=2000 vs N=500": {false, "55.7 MiB vs 49.9 MiB = 1.12×"},
	} {
		tg, ok := got[name]
		if !ok {
			t.Errorf("no target %q", name)
			continue
		}
		if tg.Met != want.met || tg.Measured != want.measured {
			t.Errorf("%s: met=%v %q, want met=%v %q", name, tg.Met, tg.Measured, want.met, want.measured)
		}
	}

	// Without N=2000 or /proc, the memory target says why it was not measured, and is not met.
	rep.Operations[4].PeakBytes = 0
	for _, tg := range scaleTargets(rep) {
		if tg.Name == "provider peak memory, refresh N=2000" && (tg.Met || !strings.Contains(tg.Measured, "no /proc")) {
			t.Errorf("without /proc figures: %+v", tg)
		}
	}
}

func TestParseOptions_gc(t *testing.T) {
	o, err := parseOptions([]string{"-n", "500,2000", "-gc", "GOGC=200; GOGC=400,GOMEMLIMIT=48MiB"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.ns) != 2 || len(o.gcSettings) != 2 || o.gcSettings[1] != "GOGC=400,GOMEMLIMIT=48MiB" {
		t.Fatalf("parsed -n %v and -gc %q", o.ns, o.gcSettings)
	}
	_, err = parseOptions([]string{"-gc", "GOGC=200,GODEBUG=gctrace=1"}, io.Discard)
	if err == nil || err.Error() != `-gc: "GODEBUG=gctrace=1" sets neither GOGC nor GOMEMLIMIT` {
		t.Fatalf("a -gc setting other than GOGC or GOMEMLIMIT: %v", err)
	}
}

// A round-by-round ratio pairs each refresh with the floor's of the same round; one round or
// unequal counts print nothing.
func TestPairedRatio(t *testing.T) {
	paired, each := pairedRatio([]float64{5.00, 4.90, 3.86}, []float64{7.04, 3.92, 3.37})
	if each != "0.71 1.25 1.15" || paired < 1.145 || paired > 1.155 {
		t.Errorf("pairedRatio = %.3f (%s), want 1.15 (0.71 1.25 1.15)", paired, each)
	}
	for _, c := range [][2][]float64{{{1}, {1}}, {{1, 2}, {1}}} {
		if _, each := pairedRatio(c[0], c[1]); each != "" {
			t.Errorf("pairedRatio(%v, %v) printed %q", c[0], c[1], each)
		}
	}
}
