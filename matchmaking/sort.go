package matchmaking

import "math"

// sortKey pairs an entry with one of its orders as an unsigned integer, for
// radixSort.
type sortKey struct {
	key uint64
	e   *entry
}

// radixSort sorts keys by key, stably, with tmp (as long as keys) as
// scratch, and returns the sorted slice (keys or tmp). It makes up to eight
// passes of one byte each and skips bytes that all keys share, which for
// timestamps taken within minutes of each other is most of them. A stable
// sort lets two sorts build a compound order: sorting by age, then by
// rating, orders by rating with ties oldest first.
func radixSort(keys, tmp []sortKey) []sortKey {
	if len(keys) < 2 {
		return keys
	}
	for shift := 0; shift < 64; shift += 8 {
		var count [256]int
		for _, k := range keys {
			count[byte(k.key>>shift)]++
		}
		if count[byte(keys[0].key>>shift)] == len(keys) {
			continue // every key has this byte
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, k := range keys {
			b := byte(k.key >> shift)
			tmp[count[b]] = k
			count[b]++
		}
		keys, tmp = tmp, keys
	}
	return keys
}

// floatKey maps a finite float64 to a uint64 of the same order, with -0 and
// +0 equal (as cmp.Compare has them).
func floatKey(f float64) uint64 {
	if f == 0 {
		return 1 << 63
	}
	b := math.Float64bits(f)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// intKey maps an int64 to a uint64 of the same order.
func intKey(i int64) uint64 {
	return uint64(i) ^ 1<<63
}
