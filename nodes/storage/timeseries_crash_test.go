package storage

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// A reading is acknowledged when Store.Insert returns without error (for
// the store in node: when its batch's message completes). The crash test
// runs a writer in a child process, SIGKILLs it at a random moment (in a
// batch, in a seal, between them), reopens the file and checks that every
// acknowledged reading is there, exactly once, as written.

const crashEnv = "FLOWGATE_TS_CRASH_DIR"

// crashReading is what the writer stores as reading id: deterministic, so
// the checker knows what each id must hold. Times step 500 ms, so a
// window (an hour) is sealed every 7,200 readings.
func crashReading(id int64) Reading {
	return Reading{
		Topic:   fmt.Sprintf("crash/%d", id%40),
		Payload: engine.ObjectOf("v", float64(id%1000)/10, "i", float64(id), "s", "x"),
		TS:      crashBase + id*500,
	}
}

var crashBase = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

// TestStoreCrashWriter is the child: it writes batches for ever, printing
// the last acknowledged id after each.
func TestStoreCrashWriter(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("the crash test's child process")
	}
	ctx := context.Background()
	dbs := NewDBs(dir)
	_, st, err := dbs.AcquireStore(ctx)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	st.now = func() time.Time { return time.UnixMilli(crashBase + 1e9) }
	out := bufio.NewWriter(os.Stdout)
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 1))
	for {
		st.mu.Lock()
		next := st.nextID
		st.mu.Unlock()
		n := 1 + rng.IntN(700)
		rs := make([]Reading, n)
		for i := range rs {
			rs[i] = crashReading(next + int64(i))
		}
		ids, err := st.Insert(ctx, rs)
		if err != nil {
			fmt.Fprintln(out, "error", err)
			out.Flush()
			os.Exit(1)
		}
		if ids[0] != next {
			fmt.Fprintln(out, "error ids start at", ids[0], "not", next)
			out.Flush()
			os.Exit(1)
		}
		fmt.Fprintln(out, "ack", ids[len(ids)-1])
		out.Flush()
	}
}

func TestStoreCrashKeepsAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns writers")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(22, 22))
	var acked int64
	for round := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStoreCrashWriter$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		killAt := 5 + rng.IntN(60)
		acks := 0
		killed := false
		for sc.Scan() {
			line := sc.Text()
			if id, ok := strings.CutPrefix(line, "ack "); ok {
				acked, _ = strconv.ParseInt(id, 10, 64)
				acks++
			} else if strings.HasPrefix(line, "error") {
				t.Fatalf("round %d: writer: %s", round, line)
			}
			if acks == killAt && !killed {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				killed = true // acks already in the pipe still count
			}
		}
		_ = cmd.Wait()
		if !killed {
			t.Fatalf("round %d: the writer ended by itself after %d acks", round, acks)
		}
		checkCrashStore(t, dir, acked)
		t.Logf("round %d: killed after %d batches, %d readings acknowledged", round, acks, acked)
	}
	if acked < 7200 {
		t.Errorf("only %d readings written: no window was sealed", acked)
	}
}

// checkCrashStore opens the store in dir and checks readings 1..acked.
func checkCrashStore(t *testing.T, dir string, acked int64) {
	t.Helper()
	dbs := NewDBs(dir)
	db, st, err := dbs.AcquireStore(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = dbs.Release(db) }()
	seen := map[int64]bool{}
	f, _ := compile(Query{})
	st.mu.Lock()
	err = st.collect(t.Context(), f, func(topic string, recs []rec) {
		for _, r := range recs {
			want := crashReading(r.id)
			if seen[r.id] {
				t.Errorf("reading %d twice", r.id)
			}
			seen[r.id] = true
			p, _ := engine.JSONString(r.p, "")
			wp, _ := engine.JSONString(want.Payload, "")
			if topic != want.Topic || r.ts != want.TS || p != wp {
				t.Errorf("reading %d: %s %d %s, want %s %d %s", r.id, topic, r.ts, p, want.Topic, want.TS, wp)
			}
		}
	})
	st.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	var missing []int64
	for id := int64(1); id <= acked; id++ {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d acknowledged readings lost, first %v", len(missing), missing[:min(10, len(missing))])
	}
}
