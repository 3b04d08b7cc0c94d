package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// logTime is how dates print in log lines and plain --watch refreshes.
const logTime = "2006-01-02 15:04:05"

// signalCatcher cancels its context on SIGINT, SIGTERM or SIGHUP and
// remembers the first, so a command that stops cleanly still exits with
// 128 plus its number (130 after Ctrl-C), as `sweep run` does.
type signalCatcher struct {
	ctx   context.Context
	stop  func()
	first atomic.Int32
}

func catchSignals(parent context.Context) *signalCatcher {
	ctx, cancel := context.WithCancel(parent)
	c := &signalCatcher{ctx: ctx}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			c.first.Store(int32(s.(syscall.Signal)))
			cancel()
		case <-done:
		}
	}()
	c.stop = func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
	return c
}

// err is the exit the caught signal calls for, or nil when none came.
func (c *signalCatcher) err() error {
	if c == nil {
		return nil
	}
	if s := c.first.Load(); s != 0 {
		return &exitError{code: 128 + int(s), err: fmt.Errorf("stopped by %s", syscall.Signal(s))}
	}
	return nil
}
