package storage

import (
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// Feed tuning: a topic is published at most once per FeedEvery, with at
// most FeedMax of the readings committed since its last message (the
// newest; "more" says some were left out, to be read from /api/data).
const (
	FeedEvery = 250 * time.Millisecond
	FeedMax   = 1000
)

// Feed publishes the readings the time-series store commits as
// "data/<topic>" {"topic", "readings": [{id, payload, ts}], "more"?},
// coalesced per topic: readings committed between two messages of a
// topic go out together. Only topics someone wants (an editor subscribed
// to them) are collected, so nothing is held or sent while no editor
// looks. One goroutine, owned by the Feed, publishes; Close ends it.
type Feed struct {
	publish func(topic string, data any)
	wants   func(topic string) bool
	every   time.Duration

	mu      sync.Mutex // guards pending and closed
	pending map[string]*feedTopic
	closed  bool

	kick chan struct{} // something is pending
	quit chan struct{}
	done chan struct{}
}

type feedTopic struct {
	rs   []Reading // the newest FeedMax
	more bool      // older readings were left out
}

// NewFeed starts a feed that publishes with publish the topics wants
// accepts ("data/<topic>"; nil: every topic), every FeedEvery at most.
func NewFeed(publish func(topic string, data any), wants func(topic string) bool) *Feed {
	f := &Feed{publish: publish, wants: wants, every: FeedEvery, pending: map[string]*feedTopic{},
		kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go f.run()
	return f
}

// Wants reports whether someone wants topic's readings ("data/<topic>").
func (f *Feed) Wants(topic string) bool { return f.wants == nil || f.wants("data/"+topic) }

// Add takes the readings of topic an insert committed (ids set). It never
// blocks on publishing: the readings wait for the feed's goroutine.
func (f *Feed) Add(topic string, rs []Reading) {
	if len(rs) == 0 || !f.Wants(topic) {
		return
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	p := f.pending[topic]
	if p == nil {
		p = &feedTopic{}
		f.pending[topic] = p
	}
	p.rs = append(p.rs, rs...)
	if n := len(p.rs); n > FeedMax {
		p.rs = append(p.rs[:0], p.rs[n-FeedMax:]...)
		p.more = true
	}
	f.mu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// Close stops the feed; what is pending is dropped (an editor reads it
// from /api/data). It returns when the goroutine has ended.
func (f *Feed) Close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		<-f.done
		return
	}
	f.closed = true
	f.mu.Unlock()
	close(f.quit)
	<-f.done
}

func (f *Feed) run() {
	defer close(f.done)
	pause := time.NewTimer(0)
	<-pause.C
	for {
		select {
		case <-f.kick:
		case <-f.quit:
			return
		}
		f.flush()
		// at most one message per topic per f.every
		pause.Reset(f.every)
		select {
		case <-pause.C:
		case <-f.quit:
			pause.Stop()
			return
		}
	}
}

func (f *Feed) flush() {
	f.mu.Lock()
	pending := f.pending
	if len(pending) > 0 {
		f.pending = map[string]*feedTopic{}
	}
	f.mu.Unlock()
	for topic, p := range pending {
		list := make([]any, len(p.rs))
		for i, r := range p.rs {
			list[i] = engine.ObjectOf("id", float64(r.ID), "payload", r.Payload, "ts", float64(r.TS))
		}
		data := engine.ObjectOf("topic", topic, "readings", list)
		if p.more {
			data.Set("more", true)
		}
		f.publish("data/"+topic, data)
	}
}
