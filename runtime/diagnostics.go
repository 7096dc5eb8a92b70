package runtime

import (
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"time"
)

// diagnostics is GET /diagnostics: Node-RED 4's report (report, scope,
// time, intl, os, runtime), with a "go" section where Node-RED has
// "nodejs". Settings are named SET or UNSET, never shown.
type diagnostics struct {
	Report  string      `json:"report"`
	Scope   string      `json:"scope"`
	Time    diagTime    `json:"time"`
	Intl    diagIntl    `json:"intl"`
	Go      diagGo      `json:"go"`
	OS      diagOS      `json:"os"`
	Runtime diagRuntime `json:"runtime"`
}

type diagTime struct {
	UTC   string `json:"utc"`
	Local string `json:"local"`
}

type diagIntl struct {
	Locale   string `json:"locale"`
	TimeZone string `json:"timeZone"`
}

type diagGo struct {
	Version     string         `json:"version"`
	Arch        string         `json:"arch"`
	Platform    string         `json:"platform"`
	Goroutines  int            `json:"goroutines"`
	MemoryUsage map[string]any `json:"memoryUsage"`
}

type diagOS struct {
	Containerised bool      `json:"containerised"`
	WSL           bool      `json:"wsl"`
	TotalMem      uint64    `json:"totalmem"`
	FreeMem       uint64    `json:"freemem"`
	Arch          string    `json:"arch"`
	LoadAvg       []float64 `json:"loadavg"`
	Platform      string    `json:"platform"`
	Release       string    `json:"release"`
	Type          string    `json:"type"`
	Uptime        float64   `json:"uptime"`
	Version       string    `json:"version"`
}

type diagRuntime struct {
	Version   string            `json:"version"`
	IsStarted bool              `json:"isStarted"`
	Uptime    float64           `json:"uptime"`
	Flows     map[string]any    `json:"flows"`
	Modules   map[string]string `json:"modules"`
	Settings  map[string]any    `json:"settings"`
}

// Diagnostics implements editor.DiagnosticsBackend.
func (r *Runtime) Diagnostics() any {
	now := time.Now()
	zone, _ := now.Zone()
	if tz := os.Getenv("TZ"); tz != "" {
		zone = tz
	} else if now.Location() == time.UTC || zone == "UTC" {
		zone = "UTC"
	}
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	rss, _ := residentBytes()
	running := r.eng.Running()
	state := "stop"
	if running {
		state = "start"
	}
	modules := map[string]string{}
	for _, s := range r.sets.list() {
		modules[s.Module] = s.Version
	}
	return diagnostics{
		Report: "diagnostics",
		Scope:  "basic",
		Time:   diagTime{UTC: now.UTC().Format(time.RFC1123), Local: now.Format("1/2/2006, 3:04:05 PM")},
		Intl:   diagIntl{Locale: "en-US", TimeZone: zone},
		Go: diagGo{
			Version: goruntime.Version(), Arch: goruntime.GOARCH, Platform: goruntime.GOOS,
			Goroutines:  goruntime.NumGoroutine(),
			MemoryUsage: map[string]any{"rss": rss, "heapAlloc": ms.HeapAlloc, "heapSys": ms.HeapSys, "sys": ms.Sys},
		},
		OS: osDiagnostics(),
		Runtime: diagRuntime{
			Version:   r.s.Version,
			IsStarted: running,
			Uptime:    time.Since(r.start).Seconds(),
			Flows:     map[string]any{"state": state, "started": running},
			Modules:   modules,
			Settings:  r.settingsDiagnostics(),
		},
	}
}

// settingsDiagnostics says which settings are set, as Node-RED's report.
func (r *Runtime) settingsDiagnostics() map[string]any {
	set := func(b bool) string {
		if b {
			return "SET"
		}
		return "UNSET"
	}
	sec := r.s.Security
	return map[string]any{
		"available":      true,
		"apiMaxLength":   r.s.MaxBodyBytes,
		"contextStorage": r.ctxs.settings(),
		"flowFile":       filepath.Base(r.s.FlowsFile),
		"adminAuth":      set(sec.AdminAuth != nil),
		"httpAdminRoot":  "/",
		"httpNodeAuth":   set(sec.HTTPNodeAuth != nil),
		"httpNodeRoot":   "/",
		"https":          set(sec.HTTPS != nil),
		"uiHost":         "SET",
		"uiPort":         "SET",
		"userDir":        "SET",
		"broker":         set(r.s.Broker != "off"),
		"hw":             r.s.HW,
		"runtimeState":   map[string]any{"enabled": true, "ui": true},
	}
}

// osDiagnostics reads what Node-RED's os module reports from /proc; on
// other systems those fields stay zero.
func osDiagnostics() diagOS {
	d := diagOS{Arch: goruntime.GOARCH, Platform: goruntime.GOOS, LoadAvg: []float64{0, 0, 0}}
	d.Type = strings.ToUpper(goruntime.GOOS[:1]) + goruntime.GOOS[1:]
	d.Release = readTrim("/proc/sys/kernel/osrelease")
	d.Version = readTrim("/proc/sys/kernel/version")
	if f := strings.Fields(readTrim("/proc/loadavg")); len(f) >= 3 {
		for i := range 3 {
			d.LoadAvg[i], _ = strconv.ParseFloat(f[i], 64)
		}
	}
	if f := strings.Fields(readTrim("/proc/uptime")); len(f) > 0 {
		d.Uptime, _ = strconv.ParseFloat(f[0], 64)
	}
	for _, line := range strings.Split(readTrim("/proc/meminfo"), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseUint(f[1], 10, 64)
		switch f[0] {
		case "MemTotal:":
			d.TotalMem = kb * 1024
		case "MemAvailable:":
			d.FreeMem = kb * 1024
		}
	}
	_, err := os.Stat("/.dockerenv")
	d.Containerised = err == nil || strings.Contains(readTrim("/proc/1/cgroup"), "docker") || os.Getenv("container") != ""
	d.WSL = strings.Contains(strings.ToLower(readTrim("/proc/version")), "microsoft")
	return d
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
