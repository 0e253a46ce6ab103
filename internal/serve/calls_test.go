package serve

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

type testKey struct{}

func TestCallContext_carriesValuesUntilReleased(t *testing.T) {
	parent := context.WithValue(context.Background(), testKey{}, "logger")
	ctx, release := callContext(parent)
	if got := ctx.Value(testKey{}); got != "logger" {
		t.Fatalf("during the call, Value = %v, want the parent's", got)
	}
	if ctx.Err() != nil {
		t.Fatalf("during the call, Err = %v", ctx.Err())
	}
	release()
	if got := ctx.Value(testKey{}); got != nil {
		t.Errorf("after release, Value = %v, want nil: the call's context still holds the parent", got)
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("after release, Err = %v, want context.Canceled", ctx.Err())
	}
	release() // a second release is harmless
}

func TestCallContext_cancelledWithItsParent(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	ctx, release := callContext(parent)
	defer release()
	// As the framework does with it: a context of its own, derived from the call's.
	derived, stop := context.WithCancel(ctx)
	defer stop()
	cancel() // StopProvider: terraform-plugin-go cancels the calls in flight
	select {
	case <-derived.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the parent was cancelled but the call's context is not")
	}
	if got := ctx.Value(testKey{}); got != nil {
		t.Fatalf("Value = %v", got)
	}
}

func TestCallContext_keepsTheDeadline(t *testing.T) {
	parent, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ctx, release := callContext(parent)
	defer release()
	want, _ := parent.Deadline()
	if got, ok := ctx.Deadline(); !ok || !got.Equal(want) {
		t.Fatalf("Deadline = %v, %t; want %v", got, ok, want)
	}
	<-ctx.Done()
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("Err = %v, want context.DeadlineExceeded", ctx.Err())
	}
}

func TestReleaseAfter(t *testing.T) {
	seq := slices.Values([]int{1, 2, 3})
	for _, tc := range []struct {
		name    string
		stopAt  int // stop after this element; 0 reads all
		want    []int
		release int
	}{
		{name: "read to the end", want: []int{1, 2, 3}, release: 1},
		{name: "stopped early (a cancelled stream)", stopAt: 2, want: []int{1, 2}, release: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			released := 0
			wrapped := releaseAfter(seq, func() { released++ }, func(any) int { return -1 })
			var got []int
			for v := range wrapped {
				if released != 0 {
					t.Fatal("released while the stream is read")
				}
				got = append(got, v)
				if v == tc.stopAt {
					break
				}
			}
			if !slices.Equal(got, tc.want) || released != tc.release {
				t.Errorf("read %v and released %d times; want %v and %d", got, released, tc.want, tc.release)
			}
		})
	}
	t.Run("a panic ends the stream with its item", func(t *testing.T) {
		released := 0
		panicky := func(yield func(int) bool) {
			yield(1)
			panic("boom")
		}
		got := slices.Collect(releaseAfter(panicky, func() { released++ }, func(v any) int {
			if v != "boom" {
				t.Errorf("panicked(%v)", v)
			}
			return -1
		}))
		if !slices.Equal(got, []int{1, -1}) || released != 1 {
			t.Errorf("read %v and released %d times; want [1 -1] and 1", got, released)
		}
	})
	t.Run("no stream", func(t *testing.T) {
		released := 0
		if releaseAfter[int](nil, func() { released++ }, nil) != nil || released != 1 {
			t.Errorf("a nil stream: released %d times, want 1 at once", released)
		}
	})
}
