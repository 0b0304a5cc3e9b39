package game

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultRulesMatchGameMD(t *testing.T) {
	r := DefaultRules()
	if r.ShipRadius != 20 || r.ShipSpeed != 250 || r.MaxHealth != 100 || r.ProjectileSpeed != 600 ||
		r.ProjectileLifetime != 1500*time.Millisecond || r.ProjectileDamage != 20 ||
		r.FireInterval != 250*time.Millisecond || r.RespawnDelay != 2*time.Second ||
		r.SpawnProtection != time.Second || r.Countdown != 3*time.Second {
		t.Errorf("DefaultRules() = %+v, not docs/game.md's numbers", r)
	}
	if got := (Rules{}).WithDefaults(); got != r {
		t.Errorf("Rules{}.WithDefaults() = %+v, want %+v", got, r)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("DefaultRules().Validate() = %v", err)
	}
}

func TestRulesValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Rules)
		want   string // substring of the error; "" for none
	}{
		{"zero means default", func(r *Rules) { *r = Rules{} }, ""},
		{"negative radius", func(r *Rules) { r.ShipRadius = -1 }, "ShipRadius"},
		{"huge speed", func(r *Rules) { r.ProjectileSpeed = 1 << 30 }, "ProjectileSpeed"},
		{"negative lifetime", func(r *Rules) { r.ProjectileLifetime = -time.Second }, "ProjectileLifetime"},
		{"hour-long respawn", func(r *Rules) { r.RespawnDelay = time.Hour }, "RespawnDelay"},
	}
	for _, tt := range tests {
		r := DefaultRules()
		tt.change(&r)
		err := r.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: Validate() = %v, want an error about %s", tt.name, err, tt.want)
		}
	}
}

func TestPerTickConversion(t *testing.T) {
	tests := []struct {
		rate                                   int
		step, diag, proj                       int32
		life, fire, respawn, protect, countdwn uint32
	}{
		// 250*256/30 = 2133.3; 600*256/30 = 5120; 250ms*30 = 7.5 -> 8.
		{30, 2133, 1508, 5120, 45, 8, 60, 30, 90},
		{10, 6400, 4525, 15360, 15, 3, 20, 10, 30},
		{60, 1067, 754, 2560, 90, 15, 120, 60, 180},
		{128, 500, 353, 1200, 192, 32, 256, 128, 384},
	}
	for _, tt := range tests {
		tr := perTick(DefaultRules(), tt.rate, 5*time.Minute)
		got := []int64{int64(tr.shipStep), int64(tr.shipDiag), int64(tr.projSpeed), int64(tr.projLifetime), int64(tr.fireInterval), int64(tr.respawn), int64(tr.protection), int64(tr.countdown)}
		want := []int64{int64(tt.step), int64(tt.diag), int64(tt.proj), int64(tt.life), int64(tt.fire), int64(tt.respawn), int64(tt.protect), int64(tt.countdwn)}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("rate %d: per-tick amounts %v, want %v", tt.rate, got, want)
				break
			}
		}
		if tr.timeLimit != uint32(300*tt.rate) {
			t.Errorf("rate %d: time limit %d ticks, want %d", tt.rate, tr.timeLimit, 300*tt.rate)
		}
		// Diagonals are never faster than straight moves.
		if d := int64(tr.shipDiag); 2*d*d > int64(tr.shipStep)*int64(tr.shipStep) {
			t.Errorf("rate %d: diagonal step %d is longer than %d", tt.rate, tr.shipDiag, tr.shipStep)
		}
	}
}

func TestDurationTicks(t *testing.T) {
	tests := []struct {
		d    time.Duration
		rate int
		want uint32
	}{
		{0, 30, 0},
		{-time.Second, 30, 0},
		{time.Second, 0, 0},
		{time.Nanosecond, 30, 1},
		{time.Second, 30, 30},
		{250 * time.Millisecond, 30, 8},
		{5 * time.Minute, 128, 38400},
		{1 << 62, 128, 1<<32 - 1},
	}
	for _, tt := range tests {
		if got := DurationTicks(tt.d, tt.rate); got != tt.want {
			t.Errorf("DurationTicks(%v, %d) = %d, want %d", tt.d, tt.rate, got, tt.want)
		}
	}
}
