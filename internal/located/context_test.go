package located

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestWithContextStopsWhenDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := WithContext(ctx, strings.NewReader("abcdef"))
	p := make([]byte, 3)
	if n, err := r.Read(p); n != 3 || err != nil {
		t.Fatalf("before cancel: %d, %v", n, err)
	}
	cancel()
	if n, err := r.Read(p); n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %d, %v", n, err)
	}
	if _, err := io.ReadAll(WithContext(context.Background(), strings.NewReader("x"))); err != nil {
		t.Errorf("live context: %v", err)
	}
}
