package storage

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

func TestDataAPITopicsAndKeyPages(t *testing.T) {
	do := dataAPIServer(t)
	var list []string
	for i := range 7 {
		list = append(list, fmt.Sprintf(`{"topic":"room/1","payload":{"t":%d},"ts":%d}`, i, 1000*(i+1)))
	}
	list = append(list, `{"topic":"room/2","payload":"on","ts":500}`, `{"topic":"hall","payload":3,"ts":9000}`)
	if code, body := do("POST", "/api/data", "["+strings.Join(list, ",")+"]"); code != 201 {
		t.Fatalf("POST: %d %s", code, body)
	}
	steps := []struct{ name, path, want string }{
		{"topics", "/api/data/topics", `{"topics":[` +
			`{"topic":"hall","count":1,"id":9,"payload":3,"ts":9000},` +
			`{"topic":"room/1","count":7,"id":7,"payload":{"t":6},"ts":7000},` +
			`{"topic":"room/2","count":1,"id":8,"payload":"on","ts":500}]}`},
		{"topics filtered", "/api/data/topics?topic=room/%2B", `{"topics":[` +
			`{"topic":"room/1","count":7,"id":7,"payload":{"t":6},"ts":7000},` +
			`{"topic":"room/2","count":1,"id":8,"payload":"on","ts":500}]}`},
		{"after, more", "/api/data?topic=room/1&after=2&limit=2", `{"limit":2,"after":2,"next_after":4,"data":[` +
			`{"id":3,"topic":"room/1","payload":{"t":2},"ts":3000},{"id":4,"topic":"room/1","payload":{"t":3},"ts":4000}]}`},
		{"after, last page", "/api/data?topic=room/1&after=5&limit=2", `{"limit":2,"after":5,"data":[` +
			`{"id":6,"topic":"room/1","payload":{"t":5},"ts":6000},{"id":7,"topic":"room/1","payload":{"t":6},"ts":7000}]}`},
		{"after, newest first", "/api/data?topic=room/1&after=3&order=desc", `{"limit":100,"after":3,"data":[` +
			`{"id":2,"topic":"room/1","payload":{"t":1},"ts":2000},{"id":1,"topic":"room/1","payload":{"t":0},"ts":1000}]}`},
		{"after a missing reading", "/api/data?after=99", `{"error":"after: no such reading 99"}`},
		{"after with interval", "/api/data?after=1&interval=1000", `{"error":"after: not with interval (page buckets by from)"}`},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			_, got := do("GET", s.path, "")
			if diff := cmp.Diff(s.want, got); diff != "" {
				t.Errorf("GET %s (-want +got):\n%s", s.path, diff)
			}
		})
	}
	// a delete of a topic's newest reading shows the one before at once
	if code, _ := do("DELETE", "/api/data/9", ""); code != 204 {
		t.Fatalf("DELETE: %d", code)
	}
	if code, _ := do("DELETE", "/api/data/7", ""); code != 204 {
		t.Fatalf("DELETE: %d", code)
	}
	want := `{"topics":[{"topic":"room/1","count":6,"id":6,"payload":{"t":5},"ts":6000},{"topic":"room/2","count":1,"id":8,"payload":"on","ts":500}]}`
	if _, got := do("GET", "/api/data/topics", ""); got != want {
		t.Errorf("topics after deletes:\n got %s\nwant %s", got, want)
	}
}

// recorder is a publish function that keeps what it was given.
type recorder struct {
	mu  sync.Mutex // guards got: the feed's goroutine writes it
	got []string
}

func (r *recorder) publish(topic string, data any) {
	s, _ := engine.JSONString(data, "")
	r.mu.Lock()
	r.got = append(r.got, topic+" "+s)
	r.mu.Unlock()
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func TestFeedCoalescesPerTopic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		f := NewFeed(rec.publish, func(topic string) bool { return topic != "data/unwatched" })
		defer f.Close()
		rd := func(id int64, ts int64) Reading { return Reading{ID: id, Payload: float64(id), TS: ts} }
		f.Add("a", []Reading{rd(1, 10)})
		f.Add("unwatched", []Reading{rd(2, 20)})
		synctest.Wait() // the first readings go out at once
		f.Add("a", []Reading{rd(3, 30)})
		f.Add("a", []Reading{rd(4, 40), rd(5, 50)})
		synctest.Wait() // the rest wait for FeedEvery
		want := []string{`data/a {"topic":"a","readings":[{"id":1,"payload":1,"ts":10}]}`}
		if diff := cmp.Diff(want, rec.list()); diff != "" {
			t.Fatalf("before FeedEvery (-want +got):\n%s", diff)
		}
		time.Sleep(FeedEvery)
		synctest.Wait()
		want = append(want, `data/a {"topic":"a","readings":[{"id":3,"payload":3,"ts":30},{"id":4,"payload":4,"ts":40},{"id":5,"payload":5,"ts":50}]}`)
		if diff := cmp.Diff(want, rec.list()); diff != "" {
			t.Fatalf("after FeedEvery (-want +got):\n%s", diff)
		}
		// more than FeedMax between two messages: the newest, and "more"
		many := make([]Reading, FeedMax+5)
		for i := range many {
			many[i] = rd(int64(10+i), int64(i))
		}
		f.Add("b", many)
		time.Sleep(FeedEvery)
		synctest.Wait()
		got := rec.list()
		last := got[len(got)-1]
		if !strings.HasPrefix(last, `data/b {"topic":"b","readings":[{"id":15,`) || !strings.HasSuffix(last, `],"more":true}`) {
			t.Errorf("a burst: %.80s…%s", last, last[len(last)-20:])
		}
	})
}
