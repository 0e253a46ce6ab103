package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// The figures the issue sets as targets.
const (
	targetRefreshN        = 500
	targetRefreshRatio    = 2.0
	targetRefreshRequests = 0.05
	targetCreateN         = 100
	targetCreateRatio     = 3.0
	targetWritesPerRes    = 1.0
	targetDirectRatio     = 1.1
	targetNoopRatio       = 1.2      // refresh at each of floorTargetNs against the no-op provider's
	targetScaleN          = 2000     // peak memory of a refresh at this N ...
	targetScaleBytes      = 64 << 20 // ... below this
	targetScaleGrowth     = 1.10     // ... and at most this times the figure at N=500
	targetCPUCut          = 0.25     // provider CPU of a refresh N=500, against -baseline
)

func targets(rep *report, opts options) []target {
	var out []target
	notMeasured := func(name, goal string, n int) {
		out = append(out, target{Name: name, Goal: goal, Measured: fmt.Sprintf("not measured (N=%d not in -n)", n)})
	}

	if r := findOp(rep.Operations, opRefresh, targetRefreshN); r != nil {
		measured := fmt.Sprintf("%.2fs vs floor %.2fs = %.2f×", r.ProviderMedianS, r.FloorMedianS, r.Ratio)
		if noop := findOp(rep.Operations, opRefreshNoop, targetRefreshN); noop != nil {
			measured += fmt.Sprintf(" (a provider that does nothing: %.2fs = %.2f×)", noop.ProviderMedianS, noop.Ratio)
		}
		out = append(out,
			target{Name: "refresh time N=500", Goal: fmt.Sprintf("≤ %.1f× floor", targetRefreshRatio),
				Measured: measured,
				Met:      r.Ratio > 0 && r.Ratio <= targetRefreshRatio},
			target{Name: "refresh requests/resource N=500", Goal: fmt.Sprintf("≤ %.2f", targetRefreshRequests),
				Measured: fmt.Sprintf("%.3f (%v requests)", r.RequestsPerResource, r.Requests),
				Met:      r.RequestsPerResource <= targetRefreshRequests})
	} else {
		notMeasured("refresh time N=500", "≤ 2× floor", targetRefreshN)
		notMeasured("refresh requests/resource N=500", "≤ 0.05", targetRefreshN)
	}

	if r := findOp(rep.Operations, opCreate, targetCreateN); r != nil {
		out = append(out,
			target{Name: "create time N=100, checks off", Goal: fmt.Sprintf("≤ %.1f× floor", targetCreateRatio),
				Measured: fmt.Sprintf("%.2fs vs floor %.2fs = %.2f×", r.ProviderMedianS, r.FloorMedianS, r.Ratio),
				Met:      r.Ratio > 0 && r.Ratio <= targetCreateRatio},
			target{Name: "create writes/resource N=100", Goal: "≤ 1",
				Measured: fmt.Sprintf("%.2f", r.WritesPerResource),
				Met:      r.WritesPerResource <= targetWritesPerRes})
	} else {
		notMeasured("create time N=100, checks off", "≤ 3× floor", targetCreateN)
		notMeasured("create writes/resource N=100", "≤ 1", targetCreateN)
	}

	if d := rep.Direct; d != nil && d.Iterations > 0 {
		out = append(out, target{Name: "direct check vs raw pgx", Goal: fmt.Sprintf("≤ %.1f×", targetDirectRatio),
			Measured: fmt.Sprintf("%s vs %s = %.2f×", formatMS(d.PgcheckMedianMS), formatMS(d.RawPgxMedianMS), d.RatioToRawPgx),
			Met:      d.RatioToRawPgx <= targetDirectRatio})
		if d.PsqlSkipped == "" {
			out = append(out, target{Name: "direct check vs psql", Goal: "≤ 1.0×",
				Measured: fmt.Sprintf("%s vs %s = %.2f×", formatMS(d.PgcheckMedianMS), formatMS(d.PsqlMedianMS), d.RatioToPsql),
				Met:      d.RatioToPsql <= 1})
		} else {
			out = append(out, target{Name: "direct check vs psql", Goal: "≤ 1.0×", Measured: "skipped: " + d.PsqlSkipped})
		}
	}

	out = append(out, scaleTargets(rep)...)

	for _, p := range rep.Parallel {
		if p.N != targetCreateN {
			continue
		}
		out = append(out, target{Name: fmt.Sprintf("no serialisation (create N=%d)", p.N),
			Goal: fmt.Sprintf("wall < N×latency; requests in flight up to -parallelism=%d", opts.parallelism),
			Measured: fmt.Sprintf("%.2fs vs serial %.2fs = %.2f×; peak %d in flight",
				p.CreateMedianS, p.SerialLowerBoundS, p.RatioToSerial, p.MaxInFlight),
			Met: p.RatioToSerial < 1 && p.MaxInFlight >= min(opts.parallelism, p.N)})
	}

	if lr := rep.LoneRead; lr != nil {
		out = append(out, target{Name: fmt.Sprintf("lone read in an account of %d", lr.AccountSize), Goal: "1 request",
			Measured: fmt.Sprintf("%d read request(s), %d with the token check", lr.ReadRequests, lr.AllRequests),
			Met:      lr.ReadRequests == 1})
	}
	return out
}

// floorTargetNs are the Ns whose refresh is held to targetNoopRatio.
var floorTargetNs = []int{targetRefreshN, targetScaleN}

// floorTarget is the refresh at n against the no-op provider (the target) and the decode floor
// (reported beside it), all three measured back to back in one run; none when n was not run.
func floorTarget(rep *report, n int) []target {
	refresh, noop := findOp(rep.Operations, opRefresh, n), findOp(rep.Operations, opRefreshNoop, n)
	if refresh == nil || noop == nil {
		return nil
	}
	r := ratio(refresh.ProviderMedianS, noop.ProviderMedianS)
	measured := fmt.Sprintf("%.2fs vs %.2fs = %.2f×", refresh.ProviderMedianS, noop.ProviderMedianS, r)
	if decode := findOp(rep.Operations, opRefreshDecode, n); decode != nil {
		measured += fmt.Sprintf("; vs the decode floor %.2fs = %.2f×", decode.ProviderMedianS,
			ratio(refresh.ProviderMedianS, decode.ProviderMedianS))
	}
	if off := findOp(rep.Operations, opRefreshFramework, n); off != nil {
		measured += fmt.Sprintf(" (fast path off: %.2fs = %.2f×)", off.ProviderMedianS, ratio(off.ProviderMedianS, noop.ProviderMedianS))
	}
	if paired, each := pairedRatio(refresh.ProviderS, noop.ProviderS); each != "" {
		measured += fmt.Sprintf("; paired, round by round: %.2f× (%s)", paired, each)
	}
	return []target{{Name: fmt.Sprintf("refresh time N=%d vs the no-op provider", n), Goal: fmt.Sprintf("≤ %.1f×", targetNoopRatio),
		Measured: measured, Met: r > 0 && r <= targetNoopRatio}}
}

// pairedRatio is the median of a[i]/b[i], each pair measured back to back (one round of
// refreshes), and the ratios; a machine whose speed drifts between rounds moves both of a pair.
// The target stays on the ratio of the medians; this is printed beside it.
func pairedRatio(a, b []float64) (float64, string) {
	if len(a) != len(b) {
		return 0, ""
	}
	var ratios []float64
	var each []string
	for i := range a {
		r := ratio(a[i], b[i])
		ratios = append(ratios, r)
		each = append(each, fmt.Sprintf("%.2f", r))
	}
	if len(each) < 2 {
		return 0, ""
	}
	return median(ratios), strings.Join(each, " ")
}

// scaleTargets are the memory and CPU targets of the provider's refreshes.
func scaleTargets(rep *report) []target {
	var out []target
	for _, n := range floorTargetNs {
		out = append(out, floorTarget(rep, n)...)
	}
	refresh := findOp(rep.Operations, opRefresh, targetRefreshN)
	if base := findOp(rep.Operations, opRefreshBaseline, targetRefreshN); refresh != nil && base != nil {
		cut := 1 - ratio(refresh.ProviderCPUMedianS, base.ProviderCPUMedianS)
		out = append(out, target{Name: "provider CPU per refresh N=500 vs -baseline", Goal: fmt.Sprintf("≥ %.0f%% less", targetCPUCut*100),
			Measured: fmt.Sprintf("%.2fs vs %.2fs = %.0f%% less", refresh.ProviderCPUMedianS, base.ProviderCPUMedianS, cut*100),
			Met:      base.ProviderCPUMedianS > 0 && cut >= targetCPUCut})
	}
	scale := findOp(rep.Operations, opRefresh, targetScaleN)
	switch {
	case scale == nil:
		out = append(out, target{Name: "provider peak memory, refresh N=2000", Goal: "< 64 MiB",
			Measured: fmt.Sprintf("not measured (N=%d not in -n)", targetScaleN)})
	case scale.PeakBytes == 0:
		out = append(out, target{Name: "provider peak memory, refresh N=2000", Goal: "< 64 MiB", Measured: "skipped: no /proc on this system"})
	default:
		out = append(out, target{Name: "provider peak memory, refresh N=2000", Goal: "< 64 MiB",
			Measured: fmt.Sprintf("%.1f MiB (VmHWM)", scale.PeakMiB), Met: scale.PeakBytes < targetScaleBytes})
		if refresh != nil && refresh.PeakBytes > 0 {
			growth := ratio(float64(scale.PeakBytes), float64(refresh.PeakBytes))
			out = append(out, target{Name: "provider peak memory, refresh N=2000 vs N=500", Goal: fmt.Sprintf("≤ %.2f×", targetScaleGrowth),
				Measured: fmt.Sprintf("%.1f MiB vs %.1f MiB = %.2f×", scale.PeakMiB, refresh.PeakMiB, growth),
				Met:      growth <= targetScaleGrowth})
		}
	}
	return out
}

func printReport(w io.Writer, rep *report) {
	_, _ = fmt.Fprintf(w, "\nTerraform %s, latency %s per API request, -parallelism=%d, %d run(s) per figure and %d round(s) of refreshes per run (medians), PostgreSQL %s\n\n",
		rep.TerraformVersion, rep.Latency, rep.Parallelism, rep.Runs, max(rep.RefreshRounds, 1), rep.PostgreSQL)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	_, _ = fmt.Fprintln(tw, "N\toperation\tfloor (s)\tprovider (s)\tratio\tAPI req/resource\twrites/resource\tpeak in flight\tprovider CPU (s)\tprovider peak (MiB)\t")
	for _, o := range rep.Operations {
		_, _ = fmt.Fprintf(tw, "%d\t%s\t%.2f\t%.2f\t%.2f×\t%.3f\t%.2f\t%d\t%.2f\t%.1f\t\n",
			o.N, o.Op, o.FloorMedianS, o.ProviderMedianS, o.Ratio, o.RequestsPerResource, o.WritesPerResource, o.MaxInFlight,
			o.ProviderCPUMedianS, o.PeakMiB)
	}
	_ = tw.Flush()
	_, _ = fmt.Fprintln(w, "provider CPU: utime+stime of the command's provider processes (/proc), median; peak: their highest VmHWM")

	_, _ = fmt.Fprintln(w)
	for _, p := range rep.Parallel {
		_, _ = fmt.Fprintf(w, "create at N=%d: %.2fs vs %.2fs if the writes were serial (%.2f×); peak %d API requests in flight\n",
			p.N, p.CreateMedianS, p.SerialLowerBoundS, p.RatioToSerial, p.MaxInFlight)
	}
	if d := rep.Direct; d != nil && d.Iterations > 0 {
		psql := "psql skipped: " + d.PsqlSkipped
		if d.PsqlSkipped == "" {
			psql = fmt.Sprintf("psql -c 'select 1' %s (%.2f×)", formatMS(d.PsqlMedianMS), d.RatioToPsql)
		}
		_, _ = fmt.Fprintf(w, "direct check (median of %d, verified TLS + SCRAM): pgcheck.Check %s, raw pgx.Connect+SELECT 1 %s (%.2f×), %s\n",
			d.Iterations, formatMS(d.PgcheckMedianMS), formatMS(d.RawPgxMedianMS), d.RatioToRawPgx, psql)
	}
	if lr := rep.LoneRead; lr != nil {
		routes := make([]string, 0, len(lr.Routes))
		for _, k := range sortedKeys(lr.Routes) {
			routes = append(routes, fmt.Sprintf("%s ×%d", k, lr.Routes[k]))
		}
		_, _ = fmt.Fprintf(w, "refresh of 1 connection in an account of %d: %s\n", lr.AccountSize, strings.Join(routes, ", "))
	}

	_, _ = fmt.Fprintln(w, "\nTargets:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range rep.Targets {
		mark := "MISSED"
		switch {
		case t.Met:
			mark = "met"
		case strings.HasPrefix(t.Measured, "not measured"), strings.HasPrefix(t.Measured, "skipped"):
			mark = "-"
		}
		_, _ = fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", mark, t.Name, t.Goal, t.Measured)
	}
	_ = tw.Flush()
	_, _ = fmt.Fprintf(w, "\ntotal %.0fs\n", rep.TotalSeconds)
}

func writeJSON(path string, rep *report) error {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return os.WriteFile(path, append(data, '\n'), 0o600)
}
