package game

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefaultModes(t *testing.T) {
	want := []Mode{
		{Name: "duel", Teams: 2, PlayersPerTeam: 1, ScoreLimit: 10, TimeLimit: 5 * time.Minute},
		{Name: "teams", Teams: 2, PlayersPerTeam: 2, ScoreLimit: 20, TimeLimit: 5 * time.Minute},
		{Name: "ffa", Teams: 8, PlayersPerTeam: 1, ScoreLimit: 15, TimeLimit: 5 * time.Minute},
		{Name: "ffa16", Teams: 16, PlayersPerTeam: 1, ScoreLimit: 15, TimeLimit: 5 * time.Minute},
	}
	got := DefaultModes()
	if len(got) != len(want) {
		t.Fatalf("DefaultModes() has %d modes, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mode %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if p := got[3].Players(); p != 16 {
		t.Errorf("ffa16 Players() = %d", p)
	}
	if !got[1].TeamPlay() || got[0].TeamPlay() {
		t.Errorf("TeamPlay: teams %v, duel %v", got[1].TeamPlay(), got[0].TeamPlay())
	}
	if _, err := FindMode(got, "nope"); !errors.Is(err, ErrUnknownMode) {
		t.Errorf("FindMode(nope) = %v, want ErrUnknownMode", err)
	}
	if m, err := FindMode(got, "teams"); err != nil || m.PlayersPerTeam != 2 {
		t.Errorf("FindMode(teams) = %+v, %v", m, err)
	}
}

func TestParseModes(t *testing.T) {
	const ok = `{"name":"x","teams":2,"players_per_team":1,"score_limit":5,"time_limit":"90s"}`
	tests := []struct {
		name string
		data string
		want string // substring of the error; "" for none
	}{
		{"valid", `[` + ok + `]`, ""},
		{"not json", `[{`, "parse modes"},
		{"not an array", ok, "parse modes"},
		{"empty", `[]`, "no modes"},
		{"trailing data", `[` + ok + `] []`, "after the array"},
		{"unknown field", `[{"name":"x","teams":2,"players_per_team":1,"score_limit":5,"time_limit":"1m","colour":"red"}]`, "unknown field"},
		{"bad duration", `[{"name":"x","teams":2,"players_per_team":1,"score_limit":5,"time_limit":"soon"}]`, "time_limit"},
		{"duration as number", `[{"name":"x","teams":2,"players_per_team":1,"score_limit":5,"time_limit":300}]`, "time_limit"},
		{"missing time limit", `[{"name":"x","teams":2,"players_per_team":1,"score_limit":5}]`, "time_limit"},
		{"one team", `[{"name":"x","teams":1,"players_per_team":1,"score_limit":5,"time_limit":"1m"}]`, "teams 1"},
		{"no players", `[{"name":"x","teams":2,"players_per_team":0,"score_limit":5,"time_limit":"1m"}]`, "players_per_team"},
		{"too many players", `[{"name":"x","teams":64,"players_per_team":2,"score_limit":5,"time_limit":"1m"}]`, "128 players"},
		{"no score limit", `[{"name":"x","teams":2,"players_per_team":1,"score_limit":0,"time_limit":"1m"}]`, "score_limit"},
		{"bad name", `[{"name":"Duel!","teams":2,"players_per_team":1,"score_limit":5,"time_limit":"1m"}]`, "mode name"},
		{"empty name", `[{"name":"","teams":2,"players_per_team":1,"score_limit":5,"time_limit":"1m"}]`, "empty"},
		{"duplicate", `[` + ok + `,` + ok + `]`, "duplicate"},
	}
	for _, tt := range tests {
		modes, err := ParseModes([]byte(tt.data))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: ParseModes: %v", tt.name, err)
		case tt.want == "" && (len(modes) != 1 || modes[0].TimeLimit != 90*time.Second):
			t.Errorf("%s: ParseModes = %+v", tt.name, modes)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: ParseModes error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestModeValidateJoinsErrors(t *testing.T) {
	err := Mode{}.Validate()
	for _, want := range []string{"mode name", "teams", "players_per_team", "score_limit", "time_limit"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Mode{}.Validate() = %v, want it to mention %s", err, want)
		}
	}
}

func TestModeJSONRoundTrip(t *testing.T) {
	for _, m := range DefaultModes() {
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back Mode
		if err := json.Unmarshal(data, &back); err != nil || back != m {
			t.Errorf("round trip of %+v via %s = %+v, %v", m, data, back, err)
		}
	}
}
