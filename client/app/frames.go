package app

import (
	"slices"
	"time"
)

// frameWindow is how many recent frames a FrameMeter keeps.
const frameWindow = 128

// FrameMeter measures the client's own cost per frame: how long each
// Update and each Draw took, and when each frame was drawn. It keeps the
// last frameWindow frames; the zero value is ready. The UI feeds it; the
// net graph and the test probe read its Stats.
type FrameMeter struct {
	update, draw [frameWindow]time.Duration
	at           [frameWindow]time.Time
	n            int // frames recorded, ever
	pending      time.Duration
}

// FrameStats are a FrameMeter's figures over its window.
type FrameStats struct {
	// Frames is how many frames they cover.
	Frames int
	// FPS is the frames drawn per second over the window.
	FPS float64
	// UpdateMedian and UpdateP95 are Update's time per frame (the updates
	// since the previous frame, summed), DrawMedian and DrawP95 Draw's.
	UpdateMedian, UpdateP95 time.Duration
	DrawMedian, DrawP95     time.Duration
}

// Updated records one Update that took d. Ebiten may run several Updates
// (or none) per drawn frame: they count towards the next frame drawn.
func (f *FrameMeter) Updated(d time.Duration) { f.pending += d }

// Drawn records a frame whose Draw took d and ended at at.
func (f *FrameMeter) Drawn(d time.Duration, at time.Time) {
	i := f.n % frameWindow
	f.update[i], f.draw[i], f.at[i] = f.pending, d, at
	f.pending = 0
	f.n++
}

// Stats computes the figures of the window. It sorts two copies of the
// window: call it when they are shown, not every frame.
func (f *FrameMeter) Stats() FrameStats {
	n := min(f.n, frameWindow)
	if n == 0 {
		return FrameStats{}
	}
	s := FrameStats{Frames: n}
	s.UpdateMedian, s.UpdateP95 = quantiles(f.update[:n])
	s.DrawMedian, s.DrawP95 = quantiles(f.draw[:n])
	if n > 1 {
		newest := f.at[(f.n-1)%frameWindow]
		oldest := f.at[(f.n-n)%frameWindow]
		if span := newest.Sub(oldest); span > 0 {
			s.FPS = float64(n-1) / span.Seconds()
		}
	}
	return s
}

// quantiles returns the median and the 95th percentile of ds (nearest rank).
func quantiles(ds []time.Duration) (median, p95 time.Duration) {
	var buf [frameWindow]time.Duration
	sorted := append(buf[:0], ds...)
	slices.Sort(sorted)
	rank := func(q float64) time.Duration {
		i := int(q*float64(len(sorted))+0.999999) - 1
		return sorted[min(max(i, 0), len(sorted)-1)]
	}
	return rank(0.5), rank(0.95)
}
