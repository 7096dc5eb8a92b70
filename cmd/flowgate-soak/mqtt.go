package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// mqttLoad publishes numbered QoS 1 messages to soak/in/N at a steady rate
// and counts the answers on soak/out ("soak/in/N"), each number once.
type mqttLoad struct {
	pub, sub paho.Client
	rate     int
	sent     atomic.Int64 // messages published (and acknowledged or in flight)
	unique   atomic.Int64 // distinct numbers received
	probed   chan struct{}

	mu         sync.Mutex // guards the fields below
	inDeploy   []bool     // by number: published while a redeploy ran
	got        []bool     // by number
	dups       int
	strange    int
	inRedeploy bool
	probeOnce  sync.Once
}

type mqttResult struct {
	sent, received, dups, strange, lost, lostInDeploy int
	firstLost                                         int
}

func mqttClient(addr, id string) (paho.Client, error) {
	o := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(id).
		SetCleanSession(true).SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectTimeout(5 * time.Second).SetOrderMatters(false)
	c := paho.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, fmt.Errorf("mqtt connect %s: timeout", addr)
	}
	if err := tok.Error(); err != nil {
		return nil, fmt.Errorf("mqtt connect %s: %w", addr, err)
	}
	return c, nil
}

// startMQTT connects the publisher and the subscriber and waits until the
// flow answers a probe (its mqtt in has subscribed).
func startMQTT(addr string, rate int) (*mqttLoad, error) {
	m := &mqttLoad{rate: max(rate, 1), probed: make(chan struct{})}
	var err error
	if m.sub, err = mqttClient(addr, "flowgate-soak-sub"); err != nil {
		return nil, err
	}
	tok := m.sub.Subscribe("soak/out", 1, m.receive)
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		m.sub.Disconnect(0)
		return nil, fmt.Errorf("mqtt subscribe soak/out: %v", tok.Error())
	}
	if m.pub, err = mqttClient(addr, "flowgate-soak-pub"); err != nil {
		m.sub.Disconnect(0)
		return nil, err
	}
	for deadline := time.Now().Add(15 * time.Second); ; {
		m.pub.Publish("soak/in/probe", 1, false, "probe").WaitTimeout(time.Second)
		select {
		case <-m.probed:
			return m, nil
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			m.close()
			return nil, errors.New("the mqtt flow did not answer on soak/out within 15 s")
		}
	}
}

func (m *mqttLoad) receive(_ paho.Client, msg paho.Message) {
	s := string(msg.Payload())
	if s == "soak/in/probe" {
		m.probeOnce.Do(func() { close(m.probed) })
		return
	}
	n, err := strconv.Atoi(strings.TrimPrefix(s, "soak/in/"))
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil || n < 0 || n >= len(m.got) {
		m.strange++ // not an answer to one of ours
		return
	}
	if m.got[n] {
		m.dups++ // QoS 1 allows a message twice
		return
	}
	m.got[n] = true
	m.unique.Add(1)
}

// deploying marks the messages published from now on as sent during a
// redeploy (on) or not (off).
func (m *mqttLoad) deploying(on bool) {
	m.mu.Lock()
	m.inRedeploy = on
	m.mu.Unlock()
}

// publish sends soak/in/0, 1, ... at the rate until ctx ends; a publish
// not acknowledged within 10 s is a failure.
func (m *mqttLoad) publish(ctx context.Context, fail func(error)) {
	t := time.NewTicker(time.Second / time.Duration(m.rate))
	defer t.Stop()
	var acks sync.WaitGroup
	defer acks.Wait()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m.mu.Lock()
		m.inDeploy = append(m.inDeploy, m.inRedeploy)
		m.got = append(m.got, false)
		m.mu.Unlock()
		tok := m.pub.Publish("soak/in/"+strconv.Itoa(n), 1, false, strconv.Itoa(n))
		m.sent.Add(1)
		acks.Go(func() {
			if !tok.WaitTimeout(10 * time.Second) {
				fail(fmt.Errorf("mqtt publish soak/in/%d: no PUBACK within 10 s", n))
			} else if err := tok.Error(); err != nil {
				fail(fmt.Errorf("mqtt publish soak/in/%d: %w", n, err))
			}
		})
	}
}

// drain waits up to d for every message sent to come back, then counts.
func (m *mqttLoad) drain(d time.Duration) mqttResult {
	for deadline := time.Now().Add(d); m.unique.Load() < m.sent.Load() && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := mqttResult{sent: len(m.got), dups: m.dups, strange: m.strange, firstLost: -1}
	for n, ok := range m.got {
		if ok {
			r.received++
			continue
		}
		r.lost++
		if m.inDeploy[n] {
			r.lostInDeploy++
		}
		if r.firstLost < 0 {
			r.firstLost = n
		}
	}
	return r
}

func (m *mqttLoad) close() {
	if m.pub != nil {
		m.pub.Disconnect(250)
	}
	if m.sub != nil {
		m.sub.Disconnect(250)
	}
}
