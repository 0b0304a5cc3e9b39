package loadtest

import "testing"

func TestHistogram(t *testing.T) {
	// Buckets are contiguous and ordered, and each value's bucket holds it.
	prev := -1
	for v := uint64(0); v < 1<<20; v += 1 + v/97 {
		i := bucketOf(v)
		if i < prev {
			t.Fatalf("bucketOf(%d) = %d after %d", v, i, prev)
		}
		prev = i
		if mid := bucketValue(i); mid < float64(v)*0.984 || mid > float64(v)*1.016+1 {
			t.Fatalf("value %d in bucket %d, whose value is %v", v, i, mid)
		}
	}
	if bucketOf(1<<62) != histBuckets-1 {
		t.Fatal("huge values are not clamped into the last bucket")
	}

	for _, tc := range []struct {
		name          string
		values        []uint64
		p50, p99, max float64
	}{
		{"empty", nil, 0, 0, 0},
		{"one", []uint64{5}, 5, 5, 5},
		{"exact small values", []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5, 10, 10},
		{"one outlier in a hundred", append(repeat(33, 99), 1000), 33, 33, 1004},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h histogram
			for i, v := range tc.values {
				h.add(i, v)
			}
			q := h.quantiles(1)
			if q.Samples != uint64(len(tc.values)) || q.P50 != tc.p50 || q.P99 != tc.p99 || q.Max != tc.max {
				t.Fatalf("quantiles %+v, want %d samples, p50 %v, p99 %v, max %v", q, len(tc.values), tc.p50, tc.p99, tc.max)
			}
		})
	}
}

func repeat(v uint64, n int) []uint64 {
	s := make([]uint64, n)
	for i := range s {
		s[i] = v
	}
	return s
}
