package flows

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and that its output is a fixed
// point: parsing MarshalV1 again gives the same bytes and rev, and
// encoding/json agrees the output is valid JSON.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/examples/*.json")
	files = append(files, "testdata/nodered/input.json", "testdata/nodered/get_flows_v2.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{`[]`, `{"flows":[]}`, `[{"id":"a","type":"t","n":1e21,"s":"\ud800"}]`, `[{"id":"a","type":"t","2":1,"1":{"b":1,"b":2}}]`, "[\"\xff\"]", `[{"id":"a","type":"t"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		out := c.MarshalV1()
		if !json.Valid(out) {
			t.Fatalf("MarshalV1 is not valid JSON: %q", out)
		}
		c2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(MarshalV1) = %v for %q", err, out)
		}
		if out2 := c2.MarshalV1(); !bytes.Equal(out, out2) {
			t.Fatalf("round trip unstable:\n%q\n%q", out, out2)
		}
		if c.Rev != c2.Rev || c.Rev != ComputeRev(out) {
			t.Fatalf("rev unstable")
		}
		_ = Validate(c)
		_ = c.Tabs()
		for _, tab := range c.Tabs() {
			_, _ = c.Flow(tab.ID)
		}
		_, _ = c.Flow(GlobalID)
	})
}

// bigFlow builds a flows array of n nodes over a few tabs, like a large
// real deployment: injects, functions with code, changes and debugs,
// wired in chains, plus a config node.
func bigFlow(n int) []byte {
	var b strings.Builder
	b.WriteString(`[{"id":"cfg","type":"mqtt-broker","name":"broker","broker":"localhost","port":"1883"}`)
	tab := ""
	for i := range n {
		if i%100 == 0 {
			tab = fmt.Sprintf("tab%d", i/100)
			fmt.Fprintf(&b, `,{"id":%q,"type":"tab","label":"Flow %d","disabled":false,"info":"","env":[]}`, tab, i/100)
		}
		next := fmt.Sprintf("n%d", i+1)
		if i%100 == 99 {
			next = ""
		}
		wires := `[]`
		if next != "" {
			wires = fmt.Sprintf(`[[%q]]`, next)
		}
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, `,{"id":"n%d","type":"inject","z":%q,"name":"tick %d","props":[{"p":"payload"},{"p":"topic","vt":"str"}],"repeat":"5","crontab":"","once":false,"onceDelay":0.1,"topic":"t","payload":"","payloadType":"date","x":%d,"y":%d,"wires":%s}`, i, tab, i, 100+i%7*150, 40+i%100*40, wires)
		case 1:
			fmt.Fprintf(&b, `,{"id":"n%d","type":"function","z":%q,"name":"f%d","func":"msg.payload = msg.payload * 2;\nnode.warn(\"é\");\nreturn msg;","outputs":1,"timeout":0,"noerr":0,"initialize":"","finalize":"","libs":[],"x":%d,"y":%d,"wires":%s}`, i, tab, i, 100+i%7*150, 40+i%100*40, wires)
		case 2:
			fmt.Fprintf(&b, `,{"id":"n%d","type":"change","z":%q,"name":"","rules":[{"t":"set","p":"payload","pt":"msg","to":"1.5","tot":"num"}],"action":"","property":"","from":"","to":"","reg":false,"x":%d,"y":%d,"wires":%s}`, i, tab, 100+i%7*150, 40+i%100*40, wires)
		default:
			fmt.Fprintf(&b, `,{"id":"n%d","type":"mqtt out","z":%q,"name":"","topic":"a/b","qos":"","retain":"","broker":"cfg","x":%d,"y":%d,"wires":%s}`, i, tab, 100+i%7*150, 40+i%100*40, wires)
		}
	}
	b.WriteString("]")
	return []byte(b.String())
}

func TestBigFlow(t *testing.T) {
	c := mustParse(t, bigFlow(500))
	if ps := Validate(c); ps.Err() != nil {
		t.Fatal(ps.Err())
	}
	if len(c.Nodes) != 506 {
		t.Errorf("len = %d", len(c.Nodes))
	}
}

func BenchmarkParse(b *testing.B) {
	data := bigFlow(500)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRev(b *testing.B) {
	data := bigFlow(500)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		ComputeRev(data)
	}
}

func BenchmarkMarshalV1(b *testing.B) {
	c, err := Parse(bigFlow(500))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c.MarshalV1()
	}
}
