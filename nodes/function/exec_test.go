package function

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes/common"
)

// execRun deploys an exec node with props, sends the messages one after the
// other and waits until each output has as many messages as want. Real
// processes, real time: commands are short.
func execRun(t *testing.T, props map[string]any, want [][]map[string]any, msgs ...engine.Msg) [][]map[string]any {
	t.Helper()
	h := enginetest.New(t, Types()...)
	props["type"] = "exec"
	h.Deploy(flowOf(props, 3))
	for _, m := range msgs {
		h.Send("n1", m)
	}
	counts := map[string]int{}
	for i, w := range want {
		counts["out"+strconv.Itoa(i)] = len(w)
	}
	h.WaitAll(counts, 10*time.Second)
	return outputs(h, 3)
}

func TestExec(t *testing.T) {
	rc0 := engine.ObjectOf("code", 0.0)
	tests := []struct {
		name  string
		props map[string]any
		in    []engine.Msg
		want  [][]map[string]any
	}{
		{"exec mode appends payload", map[string]any{"command": "echo", "addpay": "payload", "append": "x"},
			[]engine.Msg{{"payload": "hello", "topic": "t"}},
			[][]map[string]any{{{"payload": "hello x\n", "topic": "t", "rc": rc0}}, nil, {{"payload": rc0, "topic": "t"}}}},
		{"exec mode absent addpay means payload", map[string]any{"command": "echo"},
			[]engine.Msg{{"payload": 42.0}},
			[][]map[string]any{{{"payload": "42\n", "rc": rc0}}, nil, {{"payload": rc0}}}},
		{"exec mode stderr and exit code", map[string]any{"command": "echo out; echo oops >&2; exit 3", "addpay": ""},
			[]engine.Msg{{"payload": "ignored"}},
			func() [][]map[string]any {
				rc := engine.ObjectOf("code", 3.0, "message", "Command failed: echo out; echo oops >&2; exit 3\noops\n")
				return [][]map[string]any{{{"payload": "out\n", "rc": rc}}, {{"payload": "oops\n", "rc": rc}}, {{"payload": rc}}}
			}()},
		{"exec mode binary stdout", map[string]any{"command": `printf '\377\001'`, "addpay": false},
			[]engine.Msg{{"payload": ""}},
			[][]map[string]any{{{"payload": []byte{0xff, 0x01}, "rc": rc0}}, nil, {{"payload": rc0}}}},
		{"exec mode oldrc sends no return code on success", map[string]any{"command": "echo hi", "addpay": "", "oldrc": true},
			[]engine.Msg{{"payload": ""}},
			[][]map[string]any{{{"payload": "hi\n"}}, nil, nil}},
		{"spawn mode splits quoted arguments", map[string]any{"command": "echo", "addpay": "payload", "append": `"a  b" c`, "useSpawn": "true"},
			[]engine.Msg{{"payload": "p"}},
			[][]map[string]any{{{"payload": "p a  b c\n"}}, nil, {{"payload": rc0}}}},
		{"spawn mode stderr and exit code", map[string]any{"command": "sh -c", "addpay": "", "append": `"echo e >&2; exit 4"`, "useSpawn": "true"},
			[]engine.Msg{{"payload": ""}},
			[][]map[string]any{nil, {{"payload": "e\n"}}, {{"payload": engine.ObjectOf("code", 4.0)}}}},
		{"spawn mode oldrc", map[string]any{"command": "false", "addpay": "", "useSpawn": "true", "oldrc": "true"},
			[]engine.Msg{{"payload": ""}},
			[][]map[string]any{nil, nil, {{"payload": 1.0}}}},
		{"spawn mode unknown command", map[string]any{"command": "/nonexistent/cmd", "addpay": "", "useSpawn": "true"},
			[]engine.Msg{{"payload": ""}},
			[][]map[string]any{nil, nil, {{"payload": engine.ObjectOf("code", -2.0)}}}},
		{"boolean useSpawn is exec mode as in Node-RED", map[string]any{"command": "echo $((1+1))", "addpay": "", "useSpawn": true},
			[]engine.Msg{{"payload": ""}},
			[][]map[string]any{{{"payload": "2\n", "rc": rc0}}, nil, {{"payload": rc0}}}},
		{"exec mode timeout kills", map[string]any{"command": "sleep 5", "addpay": "", "timer": "0.2"},
			[]engine.Msg{{"payload": ""}},
			func() [][]map[string]any {
				rc := engine.ObjectOf("code", nil, "message", "Command failed: sleep 5\n", "signal", "SIGTERM")
				return [][]map[string]any{{{"payload": "", "rc": rc}}, nil, {{"payload": rc}}}
			}()},
		{"spawn mode timeout kills", map[string]any{"command": "sleep 5", "addpay": "", "timer": "0.2", "useSpawn": "true"},
			[]engine.Msg{{"payload": ""}},
			[][]map[string]any{nil, nil, {{"payload": engine.ObjectOf("code", nil, "signal", "SIGTERM")}}}},
		{"msg.kill with a named signal", map[string]any{"command": "sleep 5", "addpay": "", "useSpawn": "true"},
			[]engine.Msg{{"payload": ""}, {"kill": "sigint"}},
			[][]map[string]any{nil, nil, {{"payload": engine.ObjectOf("code", nil, "signal", "SIGINT")}}}},
		{"msg.kill without a signal name is SIGTERM", map[string]any{"command": "sleep 5", "addpay": ""},
			[]engine.Msg{{"payload": ""}, {"kill": true}},
			func() [][]map[string]any {
				rc := engine.ObjectOf("code", nil, "message", "Command failed: sleep 5\n", "signal", "SIGTERM")
				return [][]map[string]any{{{"payload": "", "rc": rc}}, nil, {{"payload": rc}}}
			}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			got := execRun(t, tt.props, tt.want, tt.in...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outputs mismatch (-want +got):\n%s", diff)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("took %v: the command was not killed", d)
			}
		})
	}
}

func TestExecKillByPID(t *testing.T) {
	h := enginetest.New(t, Types()...)
	h.Deploy(flowOf(map[string]any{"type": "exec", "command": `sh -c`, "append": `"echo $$; exec sleep 5"`, "addpay": "", "useSpawn": "true"}, 3))
	h.Send("n1", engine.Msg{"payload": ""})
	h.Send("n1", engine.Msg{"payload": ""})
	got := h.Wait("out0", 2, 5*time.Second)
	pid, err := strconv.Atoi(strings.TrimSpace(got[1]["payload"].(string)))
	if err != nil {
		t.Fatal(err)
	}
	// two are running: a kill without pid does nothing, one with a pid kills it
	h.Send("n1", engine.Msg{"kill": "SIGKILL"})
	h.Send("n1", engine.Msg{"kill": "SIGKILL", "pid": float64(pid)})
	rc := h.Wait("out2", 1, 5*time.Second)
	if diff := cmp.Diff(engine.ObjectOf("code", nil, "signal", "SIGKILL"), rc[0]["payload"]); diff != "" {
		t.Errorf("return code mismatch (-want +got):\n%s", diff)
	}
	if n := len(h.Collected()["out2"]); n != 1 {
		t.Errorf("%d processes ended, want 1", n)
	}
}

func TestExecClosedKillsProcesses(t *testing.T) {
	h := enginetest.New(t, Types()...)
	// the shell starts a child: the whole process group must go
	h.Deploy(flowOf(map[string]any{"type": "exec", "command": `sh -c`, "append": `"sleep 30 & echo $!; wait"`, "addpay": "", "useSpawn": "true"}, 3))
	h.Send("n1", engine.Msg{"payload": ""})
	got := h.Wait("out0", 1, 5*time.Second)
	child, err := strconv.Atoi(strings.TrimSpace(got[0]["payload"].(string)))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	h.Deploy(flowOf(map[string]any{"type": "exec", "command": "true"}, 3))
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("redeploy took %v", d)
	}
	deadline := time.Now().Add(3 * time.Second)
	for syscall.Kill(child, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("child %d still running after redeploy", child)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(h.Collected()["out2"]); n != 0 {
		t.Errorf("closed node sent %d return codes, want none (as Node-RED)", n)
	}
}

func TestExecUnknownSignal(t *testing.T) {
	flow := flowOf(map[string]any{"type": "exec", "command": "true"}, 3)
	flow = append(flow, map[string]any{"id": "c1", "type": "catch", "z": "f1", "wires": []any{[]any{"out0"}}})
	h := enginetest.New(t, append(Types(), common.Types()...)...)
	h.Deploy(flow)
	h.Send("n1", engine.Msg{"kill": "SIGNOPE"})
	got := h.Wait("out0", 1, 5*time.Second)
	e, _ := engine.AsObject(got[0]["error"])
	if e.Value("message") != "Unknown signal: SIGNOPE" {
		t.Errorf("error = %v, want Node's unknown signal message", got[0]["error"])
	}
}

func TestExecDisabled(t *testing.T) {
	h := enginetest.New(t, TypesWith(Options{ExecDisabled: true})...)
	w, err := h.TryDeploy(flowOf(map[string]any{"type": "exec", "command": "echo"}, 3), engine.DeployFull)
	if err != nil || len(w) != 1 || w[0].Node != "n1" || w[0].Field != "command" {
		t.Fatalf("deploy = %v, %v, want a warning on n1.command", w, err)
	}
	if n, _ := h.E.Node("n1"); n != nil {
		if _, ok := n.(engine.Handler); ok {
			t.Error("a disabled exec node takes messages")
		}
	}
}
