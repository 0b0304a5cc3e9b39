package ratelimit

import (
	"testing"
	"time"
)

func TestBucketBurstThenSteady(t *testing.T) {
	l := Bucket{Burst: 5, Every: 2 * time.Second}
	now := time.Unix(1000, 0)
	for i := range 5 {
		if !l.Allow(now) {
			t.Fatalf("message %d of the burst refused", i+1)
		}
	}
	if l.Allow(now) {
		t.Fatal("sixth message at once allowed")
	}
	if l.Allow(now.Add(1900 * time.Millisecond)) {
		t.Fatal("allowed before the allowance came back")
	}
	if !l.Allow(now.Add(2 * time.Second)) {
		t.Fatal("refused once the allowance came back")
	}
	// Over 10 s of steady sending, at most 5 more get through.
	allowed := 0
	for ms := 2100; ms <= 12000; ms += 100 {
		if l.Allow(now.Add(time.Duration(ms) * time.Millisecond)) {
			allowed++
		}
	}
	if allowed != 5 {
		t.Fatalf("allowed %d messages in 10 s of flooding, want 5", allowed)
	}
}
