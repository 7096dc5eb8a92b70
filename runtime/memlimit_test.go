package runtime

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// fakeMemory writes the given file contents ("" : no file) and returns
// sources pointing at them.
func fakeMemory(t *testing.T, meminfo, v2, v1 string) memorySources {
	t.Helper()
	dir := t.TempDir()
	src := memorySources{MemInfo: filepath.Join(dir, "meminfo"), CgroupV2: filepath.Join(dir, "memory.max"), CgroupV1: filepath.Join(dir, "limit_in_bytes")}
	for path, text := range map[string]string{src.MemInfo: meminfo, src.CgroupV2: v2, src.CgroupV1: v1} {
		if text != "" {
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return src
}

const pi512 = "MemTotal:         436400 kB\nMemFree:          300000 kB\n"

func TestMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		name, setting, meminfo, v2, v1 string
		env                            bool
		want                           int64
		source                         string
		keep                           bool
	}{
		{name: "meminfo only", meminfo: pi512, want: 436400 * 1024 / 2, source: "machine"},
		{name: "cgroup v2 below meminfo", meminfo: pi512, v2: "104857600\n", want: 50 << 20, source: "machine"},
		{name: "cgroup v2 max", meminfo: pi512, v2: "max\n", want: 436400 * 1024 / 2, source: "machine"},
		{name: "cgroup v1 unlimited", meminfo: pi512, v1: "9223372036854771712\n", want: 436400 * 1024 / 2, source: "machine"},
		{name: "cgroup v1 below meminfo", meminfo: pi512, v1: "209715200\n", want: 100 << 20, source: "machine"},
		{name: "cgroup above meminfo", meminfo: pi512, v2: "17179869184", want: 436400 * 1024 / 2, source: "machine"},
		{name: "cgroup only", v2: "104857600", want: 50 << 20, source: "machine"},
		{name: "nothing readable", want: math.MaxInt64, source: "machine unknown"},
		{name: "garbled meminfo", meminfo: "MemTotal: lots\n", want: math.MaxInt64, source: "machine unknown"},
		{name: "setting", setting: "256mb", meminfo: pi512, want: 256 << 20, source: "setting"},
		{name: "setting bytes", setting: "1000000", meminfo: pi512, want: 1000000, source: "setting"},
		{name: "setting off", setting: "off", meminfo: pi512, want: math.MaxInt64, source: "setting off"},
		{name: "setting zero", setting: "0", meminfo: pi512, want: math.MaxInt64, source: "setting off"},
		{name: "env wins over setting", setting: "256mb", env: true, meminfo: pi512, source: "GOMEMLIMIT", keep: true},
		{name: "env wins over machine", env: true, meminfo: pi512, source: "GOMEMLIMIT", keep: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, source, keep, err := memoryLimit(tc.setting, tc.env, fakeMemory(t, tc.meminfo, tc.v2, tc.v1))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || source != tc.source || keep != tc.keep {
				t.Errorf("memoryLimit = %d %q keep=%v, want %d %q keep=%v", got, source, keep, tc.want, tc.source, tc.keep)
			}
		})
	}
}

func TestMemoryLimitBadSetting(t *testing.T) {
	if _, err := New(Settings{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Broker: "off", HW: "off", MemoryLimit: "lots"}); err == nil {
		t.Error("memoryLimit: lots accepted")
	}
}

// restoreMemoryLimit puts the process's limit back after a test.
func restoreMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
}

func TestMemoryLimitFromSettingsFile(t *testing.T) {
	restoreMemoryLimit(t)
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		t.Skip("GOMEMLIMIT set in the environment")
	}
	rt, err := startWith(t, t.TempDir(), "memoryLimit: 300mb\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != 300<<20 {
		t.Errorf("memory limit = %d, want %d", got, 300<<20)
	}
	_, body := get(t, "http://"+rt.Addr()+"/metrics")
	if v := metricValue(t, body, "go_memory_limit_bytes"); v != 300<<20 {
		t.Errorf("go_memory_limit_bytes = %v, want %d", v, 300<<20)
	}
}

func TestMemoryLimitFromMachine(t *testing.T) {
	restoreMemoryLimit(t)
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		t.Skip("GOMEMLIMIT set in the environment")
	}
	debug.SetMemoryLimit(math.MaxInt64)
	startRuntime(t)
	want := int64(float64(machineMemory(hostMemory)) * memoryFraction)
	if got := debug.SetMemoryLimit(-1); got != want || want <= 0 {
		t.Errorf("memory limit = %d, want %d (half the machine's)", got, want)
	}
}

func TestMemoryLimitEnvWins(t *testing.T) {
	restoreMemoryLimit(t)
	// the Go runtime applied GOMEMLIMIT at process start; Flowgate keeps it
	t.Setenv("GOMEMLIMIT", "123MiB")
	debug.SetMemoryLimit(123 << 20)
	if _, err := startWith(t, t.TempDir(), "memoryLimit: 300mb\n"); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != 123<<20 {
		t.Errorf("memory limit = %d, want GOMEMLIMIT's %d", got, 123<<20)
	}
}
