package hw

import (
	"context"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
)

// watchPoll bounds each wait for an edge, so that a watcher notices its
// context ending: periph's WaitForEdge takes a timeout, not a context.
const watchPoll = 100 * time.Millisecond

// Watch configures the line as an input with pull and both edges, then
// calls emit with each new level until ctx ends. emit is not called for a
// level equal to the last one reported, nor for the level read at start,
// which Watch returns through initial before watching.
//
// debounce works as RPi.GPIO's bouncetime does in node-red-node-pi-gpio:
// the first edge opens a window of debounce during which further edges
// are ignored; at its end the level is read and reported if it changed.
// A chattering input therefore still reports, once per window. With
// debounce 0 every edge reads the level at once.
//
// Every wait passed to WaitForEdge is positive: periph's gpioioctl backend
// takes 0 as "wait for ever" and a negative one as "already expired".
func (l *Line) Watch(ctx context.Context, pull gpio.Pull, debounce time.Duration, initial func(gpio.Level), emit func(gpio.Level)) error {
	if err := l.Pin.In(pull, gpio.BothEdges); err != nil {
		return err
	}
	last := l.Pin.Read()
	if initial != nil {
		initial(last)
	}
	for ctx.Err() == nil {
		if !l.Pin.WaitForEdge(watchPoll) {
			continue
		}
		if debounce > 0 && !l.ignoreEdges(ctx, time.Now().Add(debounce)) {
			return nil
		}
		if lv := l.Pin.Read(); lv != last {
			last = lv
			emit(lv)
		}
	}
	return nil
}

// ignoreEdges takes and ignores the edges queued until end; it returns
// false when ctx ended first.
func (l *Line) ignoreEdges(ctx context.Context, end time.Time) bool {
	for {
		if ctx.Err() != nil {
			return false
		}
		left := time.Until(end)
		if left <= 0 {
			return true
		}
		l.Pin.WaitForEdge(min(left, watchPoll))
	}
}

// PWM drives the line with duty (0-100 %) at freq hertz until ctx ends or
// the next PWM call. It uses the pin's hardware PWM when the pin has it and
// toggles the pin in software otherwise (Soft). It returns at once; stop
// must be called (and is idempotent) to end software PWM. The duty is
// recorded in Duty.
func (l *Line) PWM(duty float64, freq float64) (stop func(), err error) {
	l.Duty = &duty
	d := gpio.Duty(duty / 100 * float64(gpio.DutyMax))
	f := physic.Frequency(freq * float64(physic.Hertz))
	if err := l.Pin.PWM(d, f); err == nil {
		return func() {}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Soft(ctx, l.Pin, duty, freq)
	}()
	return func() { cancel(); <-done }, nil
}

// Soft drives pin in software: high for duty % of each period of freq
// hertz, until ctx ends (the pin is then left low). 0 % and 100 % hold
// the pin steady without a timer.
func Soft(ctx context.Context, pin gpio.PinOut, duty, freq float64) {
	defer pin.Out(gpio.Low)
	if duty <= 0 || duty >= 100 || freq <= 0 {
		_ = pin.Out(duty >= 100)
		<-ctx.Done()
		return
	}
	period := time.Duration(float64(time.Second) / freq)
	high := time.Duration(float64(period) * duty / 100)
	t := time.NewTimer(0)
	defer t.Stop()
	on := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		on = !on
		_ = pin.Out(gpio.Level(on))
		if on {
			t.Reset(high)
		} else {
			t.Reset(period - high)
		}
	}
}
