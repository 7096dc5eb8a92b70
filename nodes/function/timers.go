package function

import (
	"slices"
	"sync"
	"time"
)

// timers runs callbacks at their deadlines from one time.Timer, earliest
// first and, for equal deadlines, in the order they were scheduled, as
// Node.js timers fire. Callbacks run with the owner's mutex held.
type timers struct {
	mu      *sync.Mutex // the owner's mutex; guards every field
	entries []*timerEntry
	t       *time.Timer
	seq     uint64
	closed  bool
}

type timerEntry struct {
	at  time.Time
	seq uint64
	f   func()
}

// after schedules f in d; the caller holds mu.
func (s *timers) after(d time.Duration, f func()) *timerEntry {
	s.seq++
	e := &timerEntry{at: time.Now().Add(d), seq: s.seq, f: f}
	s.entries = append(s.entries, e)
	s.arm()
	return e
}

// stop cancels e (nil is fine); the caller holds mu.
func (s *timers) stop(e *timerEntry) {
	if e == nil {
		return
	}
	s.entries = slices.DeleteFunc(s.entries, func(x *timerEntry) bool { return x == e })
	s.arm()
}

// close cancels everything; the caller holds mu.
func (s *timers) close() {
	s.closed = true
	s.entries = nil
	s.arm()
}

func (s *timers) earliest() *timerEntry {
	var first *timerEntry
	for _, e := range s.entries {
		if first == nil || e.at.Before(first.at) || (e.at.Equal(first.at) && e.seq < first.seq) {
			first = e
		}
	}
	return first
}

func (s *timers) arm() {
	if s.t != nil {
		s.t.Stop()
		s.t = nil
	}
	if first := s.earliest(); first != nil && !s.closed {
		s.t = time.AfterFunc(time.Until(first.at), s.fire)
	}
}

func (s *timers) fire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	now := time.Now()
	for {
		first := s.earliest()
		if first == nil || first.at.After(now) {
			break
		}
		s.entries = slices.DeleteFunc(s.entries, func(x *timerEntry) bool { return x == first })
		first.f()
	}
	s.arm()
}
