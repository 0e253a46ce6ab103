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

// rssSampler watches /proc for provider processes started below this one (Terraform runs them
// as plugins) and keeps the highest VmHWM (peak resident set) seen. Linux only; elsewhere it
// reports nothing.
type rssSampler struct {
	exe string

	mu        sync.Mutex
	peakKB    int64
	processes map[int]bool
	stop      chan struct{}
	done      chan struct{}
}

func newRSSSampler(exe string) *rssSampler {
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return &rssSampler{exe: exe}
}

// available reports whether this system has /proc to sample.
func (s *rssSampler) available() bool {
	_, err := os.Stat("/proc/self/status")
	return err == nil
}

// start begins sampling every interval, forgetting earlier peaks.
func (s *rssSampler) start(interval time.Duration) {
	s.mu.Lock()
	s.peakKB, s.processes = 0, map[int]bool{}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	s.mu.Unlock()
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.scan()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
}

// finish stops sampling and returns the peak in bytes and how many provider processes were seen.
func (s *rssSampler) finish() (peakBytes int64, processes int) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peakKB * 1024, len(s.processes)
}

func (s *rssSampler) scan() {
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
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || strings.TrimSuffix(exe, " (deleted)") != s.exe || !descendsFrom(pid, self) {
			continue
		}
		hwm := statusKB(pid, "VmHWM:")
		s.mu.Lock()
		s.processes[pid] = true
		s.peakKB = max(s.peakKB, hwm)
		s.mu.Unlock()
	}
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
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces; fields follow the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
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
