// Package hw gives node types GPIO pins and I2C buses behind small
// interfaces: periph.io's gpio.PinIO and i2c.Bus. A Board is a backend
// (periph.io on a Raspberry Pi, the in-memory simulator everywhere else, or
// a test fake); Pins wraps a Board with claims so that two nodes cannot
// drive one pin, parks a node's line across a redeploy (an output keeps
// its level), and adds what periph.io leaves to its users: names by BCM
// number and header pin, an edge watcher with RPi.GPIO's debounce that
// honours cancellation, software PWM, and errors that name their fix on a
// Raspberry Pi. The simulator's pins behave as periph.io's gpioioctl
// backend does on a Pi (timeouts, queued edges, EBUSY), so that what
// passes against it holds on the hardware.
//
// hw is the only package that imports periph.io, and it imports nothing of
// Flowgate: node types (nodes/hardware) and the runtime import it.
package hw
