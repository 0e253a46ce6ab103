package serve

import (
	"context"
	"errors"
	"iter"
	"sync"
	"sync/atomic"
	"time"
)

// callContext returns the context a call hands on, and the function that ends it. Until release
// the context carries every value of ctx (the SDK's loggers, the request id) and is cancelled with
// it; release cancels it and drops its reference to ctx, so whatever keeps the returned context
// after the call (terraform-plugin-framework keeps every call's, see Server) keeps a few hundred
// bytes instead of the call's gRPC stream and loggers.
func callContext(ctx context.Context) (context.Context, func()) {
	values := &releasableValues{}
	values.from.Store(&ctx)
	var call context.Context
	var cancel context.CancelFunc
	deadline, hasDeadline := ctx.Deadline()
	if hasDeadline {
		call, cancel = context.WithDeadline(values, deadline)
	} else {
		call, cancel = context.WithCancel(values)
	}
	// StopProvider or a closed stream ends the call too. A passed deadline is left to the call's
	// own timer, so that its Err is context.DeadlineExceeded as the original's is.
	stopPropagation := context.AfterFunc(ctx, func() {
		if !hasDeadline || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cancel()
		}
	})
	var once sync.Once
	release := func() {
		once.Do(func() {
			stopPropagation()
			cancel()
			values.from.Store(nil)
		})
	}
	return call, release
}

// releasableValues is the values of a context, until they are dropped. It is never done itself:
// the context built on it is, so the standard library's cancellation tree holds no reference to
// the original context, only context.AfterFunc does until release.
type releasableValues struct {
	from atomic.Pointer[context.Context]
}

func (*releasableValues) Deadline() (time.Time, bool) { return time.Time{}, false }
func (*releasableValues) Done() <-chan struct{}       { return nil }
func (*releasableValues) Err() error                  { return nil }

func (v *releasableValues) Value(key any) any {
	if ctx := v.from.Load(); ctx != nil {
		return (*ctx).Value(key)
	}
	return nil
}

// releaseAfter is seq, with release called once it has been iterated, however it ends. A stream
// (list results, action events, state chunks) is read after its call returns. A panic of seq
// ends the stream with the item panicked makes of it.
func releaseAfter[T any](seq iter.Seq[T], release func(), panicked func(v any) T) iter.Seq[T] {
	if seq == nil {
		release()
		return nil
	}
	return func(yield func(T) bool) {
		defer release()
		reading := false // inside yield: a panic there is the reader's, not seq's
		defer func() {
			if v := recover(); v != nil {
				if reading {
					panic(v)
				}
				yield(panicked(v))
			}
		}()
		for v := range seq {
			reading = true
			more := yield(v)
			reading = false
			if !more {
				return
			}
		}
	}
}

// one is a stream of one item.
func one[T any](item T) iter.Seq[T] {
	return func(yield func(T) bool) { yield(item) }
}
