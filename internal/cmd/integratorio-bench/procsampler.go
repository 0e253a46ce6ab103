package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// procSampler watches /proc for processes of one executable started below this one (Terraform
// runs providers as plugins) while one command runs, and keeps for each the highest VmHWM (peak
// resident set) and the last CPU time (utime + stime) seen: the kernel's own accounting of the
// process. Known processes are read every interval, so a process's last interval before it exits
// (its shutdown) is all that can be missed. Linux only; elsewhere it reports nothing.
type procSampler struct {
	exe      string
	interval time.Duration

	mu        sync.Mutex
	processes map[int]procUsage
	stop      chan struct{}
	done      chan struct{}
}

// procUsage is what the sampler last saw of one process.
type procUsage struct {
	peakKB   int64
	cpuTicks int64
}

// usage is a command's provider processes, summed: the highest peak and the CPU time of all.
type usage struct {
	PeakBytes  int64   `json:"peak_bytes"`
	CPUSeconds float64 `json:"cpu_s"`
	Processes  int     `json:"processes"`
}

// clockTicks is the unit of utime and stime in /proc/<pid>/stat (USER_HZ), 100 on Linux.
const clockTicks = 100

// procAvailable reports whether this system has /proc to sample.
func procAvailable() bool {
	_, err := os.Stat("/proc/self/stat")
	return err == nil
}

// startSampling begins watching exe's processes every interval.
func startSampling(exe string, interval time.Duration) *procSampler {
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	s := &procSampler{exe: exe, interval: interval, processes: map[int]procUsage{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.scan()
			select {
			case <-s.stop:
				s.scan()
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// finish stops sampling and returns the usage of every process seen.
func (s *procSampler) finish() usage {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	var u usage
	for _, p := range s.processes {
		u.PeakBytes = max(u.PeakBytes, p.peakKB*1024)
		u.CPUSeconds += float64(p.cpuTicks) / clockTicks
	}
	u.Processes = len(s.processes)
	return u
}

func (s *procSampler) scan() {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		s.mu.Lock()
		_, known := s.processes[pid]
		s.mu.Unlock()
		if !known {
			exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
			if err != nil || strings.TrimSuffix(exe, " (deleted)") != s.exe || !descendsFrom(pid, self) {
				continue
			}
		}
		hwm := statusKB(pid, "VmHWM:")
		ticks := cpuTicks(pid)
		s.mu.Lock()
		p := s.processes[pid]
		p.peakKB = max(p.peakKB, hwm)
		p.cpuTicks = max(p.cpuTicks, ticks)
		s.processes[pid] = p
		s.mu.Unlock()
	}
}

// cpuTicks is a process's utime + stime (all its threads), from /proc/<pid>/stat.
func cpuTicks(pid int) int64 {
	fields := statFields(pid)
	if len(fields) < 13 {
		return 0
	}
	// Fields after the command name: state is [0], utime is field 14 of stat, so [11]; stime [12].
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return utime + stime
}

// descendsFrom reports whether ancestor is pid's parent, grandparent and so on.
func descendsFrom(pid, ancestor int) bool {
	for range 32 {
		ppid := parentOf(pid)
		switch {
		case ppid == ancestor:
			return true
		case ppid <= 1:
			return false
		}
		pid = ppid
	}
	return false
}

func parentOf(pid int) int {
	fields := statFields(pid)
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// statFields are the fields of /proc/<pid>/stat after the command name: state, ppid, ...
func statFields(pid int) []string {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil
	}
	// The command name (field 2) is in parentheses and may hold spaces; fields follow the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(data[i+1:]))
}

// statusKB reads a "Name:   123 kB" line of /proc/<pid>/status.
func statusKB(pid int, name string) int64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		fields := strings.Fields(strings.TrimPrefix(line, name))
		if len(fields) == 0 {
			return 0
		}
		kb, _ := strconv.ParseInt(fields[0], 10, 64)
		return kb
	}
	return 0
}
