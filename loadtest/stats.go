package loadtest

import (
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
)

// Histogram geometry: values below 2·histSub are counted exactly; above,
// each power of two is split into histSub equal buckets, so a reported
// quantile (a bucket's midpoint) is within 1/(2·histSub) (0.8%) of the true
// value: ±0.26 ms at 33 ms. Values are microseconds (or ticks); the largest
// bucket starts near 2^37 µs (38 hours), anything above is clamped into it.
const (
	histSubBits = 6
	histSub     = 1 << histSubBits
	histBuckets = 32 * histSub
	// histStripes spreads concurrent writers over independent copies of the
	// buckets; a bot always writes the same stripe.
	histStripes = 8
)

// histogram counts non-negative integer samples in log-linear buckets. It is
// safe for concurrent use and costs the same memory (histStripes·histBuckets
// counters, 128 KiB) however many bots write to it: no per-bot state.
type histogram struct {
	stripes [histStripes][histBuckets]atomic.Uint64
}

// bucketOf returns the bucket index of v.
func bucketOf(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	shift := bits.Len64(v) - histSubBits - 1
	i := (shift+1)*histSub + int(v>>shift) - histSub
	return min(i, histBuckets-1)
}

// bucketValue returns a representative value of bucket i: its midpoint.
func bucketValue(i int) float64 {
	if i < 2*histSub {
		return float64(i)
	}
	shift := i/histSub - 1
	low := uint64(i%histSub+histSub) << shift
	return float64(low) + float64(uint64(1)<<shift)/2
}

// add counts one sample of value v from writer stripe.
func (h *histogram) add(stripe int, v uint64) {
	h.stripes[stripe%histStripes][bucketOf(v)].Add(1)
}

// Quantiles summarises a histogram. Values are in the unit the histogram was
// fed, scaled by the caller (see histogram.quantiles).
type Quantiles struct {
	// Samples is the number of samples counted.
	Samples uint64 `json:"samples"`
	// P50 is the median.
	P50 float64 `json:"p50"`
	// P90 is the 90th percentile.
	P90 float64 `json:"p90"`
	// P99 is the 99th percentile.
	P99 float64 `json:"p99"`
	// Max is the largest sample's bucket.
	Max float64 `json:"max"`
}

// quantiles merges the stripes and returns the quantiles, each bucket's
// value multiplied by scale (for example 0.001 to turn µs into ms).
func (h *histogram) quantiles(scale float64) Quantiles {
	var counts [histBuckets]uint64
	var n uint64
	for s := range h.stripes {
		for i := range counts {
			c := h.stripes[s][i].Load()
			counts[i] += c
			n += c
		}
	}
	q := Quantiles{Samples: n}
	if n == 0 {
		return q
	}
	at := func(p float64) float64 {
		rank := max(uint64(math.Ceil(p*float64(n))), 1) // nearest rank, 1-based
		var seen uint64
		for i, c := range counts {
			seen += c
			if seen >= rank {
				return round3(bucketValue(i) * scale)
			}
		}
		return 0
	}
	q.P50, q.P90, q.P99, q.Max = at(0.50), at(0.90), at(0.99), at(1)
	return q
}

// round3 rounds to three decimals, enough for milliseconds and ticks.
func round3(f float64) float64 {
	const k = 1000
	if f < 0 {
		return -round3(-f)
	}
	return float64(uint64(f*k+0.5)) / k
}

// errorCounter counts errors by kind. Errors are rare, so a mutex is fine.
type errorCounter struct {
	mu    sync.Mutex
	kinds map[string]uint64
}

// add counts n errors of kind.
func (e *errorCounter) add(kind string, n uint64) {
	if n == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.kinds == nil {
		e.kinds = make(map[string]uint64)
	}
	e.kinds[kind] += n
}

// snapshot returns the total and a copy of the counts by kind.
func (e *errorCounter) snapshot() (uint64, map[string]uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	kinds := make(map[string]uint64, len(e.kinds))
	var total uint64
	for k, v := range e.kinds {
		kinds[k] = v
		total += v
	}
	return total, kinds
}
