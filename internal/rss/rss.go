// Package rss reads the process's peak resident set size, for benchmarks
// whose targets are about memory (Linux only; elsewhere it reports 0).
package rss

import (
	"os"
	"runtime"
	"strconv"
	"strings"
)

// ResetPeak makes the peak start again from the current size (Linux 4.0+).
func ResetPeak() {
	runtime.GC()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// PeakMB returns the peak resident set size since the last reset, in MiB.
func PeakMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}
