package storage

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/engine"
)

func TestDataAPIExport(t *testing.T) {
	dbs := NewDBs(t.TempDir())
	api := NewDataAPI(dbs, 0)
	t.Cleanup(func() { _ = api.Close() })
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	// 3 hours of two topics every 2 s, and one text reading: sealed
	// windows and the open one
	var body strings.Builder
	const n = 3 * 3600 / 2
	for i := range n {
		if i > 0 {
			body.WriteString(",")
		}
		fmt.Fprintf(&body, `{"topic":"room/%d","payload":{"t":%g,"h":%d},"ts":%d}`, i%2, 20+float64(i%50)/10, 40+i%9, int64(i)*2000)
	}
	post := func(b string) {
		resp, err := http.Post(srv.URL+"/api/data", "application/json", strings.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("post: %d", resp.StatusCode)
		}
	}
	post("[" + body.String() + "]")
	post(`{"topic":"room/0","payload":"door, \"open\"","ts":7200001}`)
	get := func(path string) (int, string, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	// the oracle: pages of GET /api/data
	want := func(q string) []string {
		var lines []string
		for off := 0; ; off += MaxLimit {
			status, _, b := get(fmt.Sprintf("/api/data?%s&limit=%d&offset=%d", q, MaxLimit, off))
			if status != 200 {
				t.Fatalf("page: %d %s", status, b)
			}
			v, _ := engine.DecodeJSON([]byte(b))
			page := v.(*engine.Object)
			for _, r := range page.Value("data").([]any) {
				s, _ := engine.JSONString(r, "")
				lines = append(lines, s)
			}
			if !page.Has("next") {
				return lines
			}
		}
	}
	for _, q := range []string{"topic=room/0&from=3000000&to=9000000", "topic=room/%2B", "from=1970-01-01T01:00:00Z&where=" + url.QueryEscape(`[{"field":"h","op":">","value":45}]`)} {
		t.Run(q, func(t *testing.T) {
			w := want(q)
			if len(w) < 100 {
				t.Fatalf("oracle has %d readings", len(w))
			}
			status, ctype, b := get("/api/data/export?format=jsonl&" + q)
			if status != 200 || ctype != "application/x-ndjson" {
				t.Fatalf("jsonl: %d %s", status, ctype)
			}
			got := strings.Split(strings.TrimSuffix(b, "\n"), "\n")
			if strings.Join(got, "\n") != strings.Join(w, "\n") {
				t.Fatalf("jsonl: %d lines, want %d; first %q want %q", len(got), len(w), got[0], w[0])
			}
			status, ctype, b = get("/api/data/export?format=csv&" + q)
			if status != 200 || !strings.HasPrefix(ctype, "text/csv") {
				t.Fatalf("csv: %d %s", status, ctype)
			}
			recs, err := csv.NewReader(bufio.NewReader(strings.NewReader(b))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(recs[0]) != "[id topic ts time payload]" || len(recs) != len(w)+1 {
				t.Fatalf("csv: header %v, %d rows, want %d", recs[0], len(recs)-1, len(w))
			}
			for i, line := range w {
				v, _ := engine.DecodeJSON([]byte(line))
				o := v.(*engine.Object)
				p, _ := engine.JSONString(o.Value("payload"), "")
				row := recs[i+1]
				if row[0] != fmt.Sprint(o.Value("id")) || row[1] != o.Value("topic") || row[2] != fmt.Sprint(int64(o.Value("ts").(float64))) || row[4] != p {
					t.Fatalf("csv row %d: %q, want %s", i, row, line)
				}
			}
		})
	}
	if status, _, b := get("/api/data/export?format=xml"); status != 400 || !strings.Contains(b, "format: must be csv or jsonl") {
		t.Errorf("bad format: %d %s", status, b)
	}
	if status, _, b := get("/api/data/export?where=" + url.QueryEscape(`[{"field":"a b","op":"="}]`)); status != 400 {
		t.Errorf("bad field: %d %s", status, b)
	}
}
