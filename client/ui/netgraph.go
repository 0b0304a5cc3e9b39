package ui

import (
	"fmt"
	"image/color"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/arena-server/arena/client/app"
)

// The net graph's place (over the side panel's middle, so it hides no part
// of the arena) and the scale of its bars.
const (
	netX, netY, netW, netH = panelX + 10, 226, panelW - 20, 216
	netGraphH              = 50                     // pixels of the bar chart
	netGraphFull           = 100 * time.Millisecond // a snapshot gap drawn at full height
)

// drawNetGraph overlays the connection's figures (F3): ping, snapshot rate,
// bandwidth, prediction corrections, the server tick estimate, and a bar
// per snapshot gap (green at the tick period, red when late).
func (g *Game) drawNetGraph(dst *ebiten.Image) {
	n := g.app.NetStats()
	f := g.fonts.small
	vector.FillRect(dst, netX, netY, netW, netH, color.RGBA{0x08, 0x0a, 0x10, 0xd8}, false)
	vector.StrokeRect(dst, netX, netY, netW, netH, 1, colDim, false)
	ping := "–"
	if n.HavePing {
		ping = fmt.Sprintf("%d ms", n.Ping.Milliseconds())
	}
	rows := []string{
		fmt.Sprintf("ping %s   snapshots %d/s", ping, n.SnapshotRate),
		fmt.Sprintf("in %.1f kB/s   out %.1f kB/s", float64(n.InBytes)/1000, float64(n.OutBytes)/1000),
		fmt.Sprintf("corrections %d (%d/s), last %.1f u", n.Corrections, n.CorrectionRate, n.LastCorrection),
		fmt.Sprintf("server tick ≈ %.1f   inputs unacked %d", n.ServerTick, n.Pending),
		fmt.Sprintf("others %.1f ticks back (jitter %.1f)%s", n.InterpDelay, n.Jitter, extrapolating(n.Extrapolated)),
		frameLine(g.frameFigures()),
	}
	y := float64(netY + 8)
	for _, r := range rows {
		drawText(dst, r, f, netX+10, y, colText, text.AlignStart)
		y += 20
	}
	// Snapshot arrival gaps, newest on the right.
	base := float32(netY + netH - 10)
	vector.StrokeLine(dst, netX+10, base-netGraphH/3, netX+netW-10, base-netGraphH/3, 1, colGrid, false)
	bw := float32(netW-20) / 120
	x := float32(netX+netW-10) - bw*float32(len(n.SnapshotGaps))
	for _, gap := range n.SnapshotGaps {
		h := float32(min(gap, netGraphFull)) / float32(netGraphFull) * netGraphH
		clr := colGood
		switch {
		case gap > 70*time.Millisecond:
			clr = colError
		case gap > 45*time.Millisecond:
			clr = colAccent
		}
		vector.FillRect(dst, x, base-h, max(bw-1, 1), h, clr, false)
		x += bw
	}
}

// frameLine is the net graph's line of the client's own cost per frame.
func frameLine(s app.FrameStats) string {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return fmt.Sprintf("%.0f fps   update %.1f/%.1f   draw %.1f/%.1f ms (median/p95)",
		s.FPS, ms(s.UpdateMedian), ms(s.UpdateP95), ms(s.DrawMedian), ms(s.DrawP95))
}

// extrapolating says how far past the newest snapshot others are drawn.
func extrapolating(ticks float64) string {
	if ticks <= 0 {
		return ""
	}
	return fmt.Sprintf(", late %.1f", ticks)
}
