package runtime

import (
	"bufio"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// memoryFraction is the share of the machine's memory (the smaller of
// physical memory and the cgroup limit) taken as Go's soft memory limit
// when neither GOMEMLIMIT nor the memoryLimit setting gives one. Half,
// because the limit counts only what the Go runtime maps (heap, stacks,
// its own metadata), not the binary's pages, the page cache or the other
// processes that share a 512 MB Pi with Flowgate; under it the collector
// runs more often instead of the kernel's OOM killer ending the process.
// It is a soft limit: a heap that really needs more still gets it.
const memoryFraction = 0.5

// memorySources are the files the machine's memory is read from; tests
// point them at fakes.
type memorySources struct {
	MemInfo  string // /proc/meminfo, MemTotal
	CgroupV2 string // memory.max: bytes or "max"
	CgroupV1 string // memory.limit_in_bytes: bytes, huge when unlimited
}

var hostMemory = memorySources{
	MemInfo:  "/proc/meminfo",
	CgroupV2: "/sys/fs/cgroup/memory.max",
	CgroupV1: "/sys/fs/cgroup/memory/memory.limit_in_bytes",
}

// machineMemory returns the memory this process may use: the smaller of
// MemTotal and the cgroup limit; 0 when neither can be read.
func machineMemory(src memorySources) int64 {
	var total int64
	if f, err := os.Open(src.MemInfo); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				if err == nil && kb > 0 {
					total = kb * 1024
				}
				break
			}
		}
		f.Close()
	}
	for _, p := range []string{src.CgroupV2, src.CgroupV1} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64) // "max" fails: no limit
		if err == nil && n > 0 && (total == 0 || n < total) {
			total = n
		}
	}
	return total
}

// parseMemoryLimit reads the memoryLimit setting: "" derives the limit
// from the machine, "off" or 0 disables it (-1 returned), else a size.
func parseMemoryLimit(s string) (int64, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return 0, nil
	case "off":
		return -1, nil
	}
	n, err := parseSize(s)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return -1, nil
	}
	return n, nil
}

// memoryLimit decides Go's soft memory limit: GOMEMLIMIT in the
// environment wins (the Go runtime has applied it already: keep is true),
// then the memoryLimit setting, then memoryFraction of the machine's
// memory. It returns the limit (math.MaxInt64: none) and where it came
// from, for the start-up log.
func memoryLimit(setting string, envSet bool, src memorySources) (limit int64, source string, keep bool, err error) {
	if envSet {
		return 0, "GOMEMLIMIT", true, nil
	}
	n, err := parseMemoryLimit(setting)
	switch {
	case err != nil:
		return 0, "", false, fmt.Errorf("memoryLimit: %w", err)
	case n < 0:
		return math.MaxInt64, "setting off", false, nil
	case n > 0:
		return n, "setting", false, nil
	}
	if m := machineMemory(src); m > 0 {
		return int64(float64(m) * memoryFraction), "machine", false, nil
	}
	return math.MaxInt64, "machine unknown", false, nil
}

// applyMemoryLimit sets the process's soft memory limit at start and logs
// it. The limit is process-wide by nature (runtime/debug); the last
// runtime started in a process sets it.
func (r *Runtime) applyMemoryLimit(log *slog.Logger) error {
	_, envSet := os.LookupEnv("GOMEMLIMIT")
	limit, source, keep, err := memoryLimit(r.s.MemoryLimit, envSet, hostMemory)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if keep {
		limit = debug.SetMemoryLimit(-1)
	} else {
		debug.SetMemoryLimit(limit)
	}
	if limit == math.MaxInt64 {
		log.Info("memory limit", "limit", "none", "source", source)
	} else {
		log.Info("memory limit", "limit_bytes", limit, "source", source)
	}
	return nil
}
