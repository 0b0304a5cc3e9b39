package game

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

//go:embed modes.json
var modesJSON []byte

// Mode is a way to play: how many teams of how many players, and when the
// match ends. Modes are configuration: the defaults live in the embedded
// modes.json, and operators may load their own file with [ParseModes].
//
// In JSON, a mode is an object with the tagged fields below; time_limit is a
// string in [time.ParseDuration] syntax, such as "5m" or "90s". Unknown
// fields are errors.
type Mode struct {
	// Name identifies the mode: 1 to 32 characters of a-z, 0-9, '-', '_'.
	Name string `json:"name"`
	// Teams is the number of sides, 2 to 64. A free-for-all has one team
	// per player.
	Teams int `json:"teams"`
	// PlayersPerTeam is the number of players on each side, 1 to 16. With
	// more than one, the mode is a team mode: kills count for the team.
	PlayersPerTeam int `json:"players_per_team"`
	// ScoreLimit is the number of kills (a player's, or a team's in team
	// modes) that ends the match, 1 to 1000000.
	ScoreLimit int `json:"score_limit"`
	// TimeLimit is the length of play, after the countdown; more than 0
	// and at most 24h.
	TimeLimit time.Duration `json:"time_limit"`
	// FriendlyFire lets projectiles hurt teammates.
	FriendlyFire bool `json:"friendly_fire"`
}

// Limits of Mode values.
const (
	maxTeams          = 64
	maxPlayersPerTeam = 16
	maxPlayers        = 64
	maxScoreLimit     = 1_000_000
	maxNameLen        = 32
)

// Sentinel errors of modes and maps; returned errors wrap them.
var (
	// ErrUnknownMode means no mode has the name asked for.
	ErrUnknownMode = errors.New("unknown mode")
	// ErrUnknownMap means no embedded map has the name asked for.
	ErrUnknownMap = errors.New("unknown map")
)

// Players returns the number of players of a full match: Teams·PlayersPerTeam.
func (m Mode) Players() int { return m.Teams * m.PlayersPerTeam }

// TeamPlay reports whether kills count for teams (PlayersPerTeam > 1).
func (m Mode) TeamPlay() bool { return m.PlayersPerTeam > 1 }

// Validate reports every field out of range, joined.
func (m Mode) Validate() error {
	var errs []error
	if err := validName(m.Name); err != nil {
		errs = append(errs, fmt.Errorf("mode name: %w", err))
	}
	if m.Teams < 2 || m.Teams > maxTeams {
		errs = append(errs, fmt.Errorf("mode %q: teams %d out of range 2..%d", m.Name, m.Teams, maxTeams))
	}
	if m.PlayersPerTeam < 1 || m.PlayersPerTeam > maxPlayersPerTeam {
		errs = append(errs, fmt.Errorf("mode %q: players_per_team %d out of range 1..%d", m.Name, m.PlayersPerTeam, maxPlayersPerTeam))
	}
	if m.Teams >= 2 && m.PlayersPerTeam >= 1 && m.Players() > maxPlayers {
		errs = append(errs, fmt.Errorf("mode %q: %d players, more than %d", m.Name, m.Players(), maxPlayers))
	}
	if m.ScoreLimit < 1 || m.ScoreLimit > maxScoreLimit {
		errs = append(errs, fmt.Errorf("mode %q: score_limit %d out of range 1..%d", m.Name, m.ScoreLimit, maxScoreLimit))
	}
	if m.TimeLimit <= 0 || m.TimeLimit > maxTimeLim {
		errs = append(errs, fmt.Errorf("mode %q: time_limit %v out of range (0, %v]", m.Name, m.TimeLimit, maxTimeLim))
	}
	return errors.Join(errs...)
}

// validName accepts 1 to 32 characters of a-z, 0-9, '-' and '_'.
func validName(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	if len(s) > maxNameLen {
		return fmt.Errorf("%q longer than %d", s, maxNameLen)
	}
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return fmt.Errorf("%q: character %q not in a-z, 0-9, '-', '_'", s, c)
		}
	}
	return nil
}

// modeJSON is Mode as it is written in JSON.
type modeJSON struct {
	Name           string `json:"name"`
	Teams          int    `json:"teams"`
	PlayersPerTeam int    `json:"players_per_team"`
	ScoreLimit     int    `json:"score_limit"`
	TimeLimit      string `json:"time_limit"`
	FriendlyFire   bool   `json:"friendly_fire"`
}

// MarshalJSON writes m with time_limit as a duration string.
func (m Mode) MarshalJSON() ([]byte, error) {
	return json.Marshal(modeJSON{
		Name: m.Name, Teams: m.Teams, PlayersPerTeam: m.PlayersPerTeam,
		ScoreLimit: m.ScoreLimit, TimeLimit: m.TimeLimit.String(), FriendlyFire: m.FriendlyFire,
	})
}

// UnmarshalJSON reads m, rejecting unknown fields and a time_limit that is
// not a duration string. It does not validate; [ParseModes] does.
func (m *Mode) UnmarshalJSON(data []byte) error {
	var j modeJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return err
	}
	var limit time.Duration
	if j.TimeLimit != "" {
		d, err := time.ParseDuration(j.TimeLimit)
		if err != nil {
			return fmt.Errorf("mode %q: time_limit: %w", j.Name, err)
		}
		limit = d
	}
	*m = Mode{
		Name: j.Name, Teams: j.Teams, PlayersPerTeam: j.PlayersPerTeam,
		ScoreLimit: j.ScoreLimit, TimeLimit: limit, FriendlyFire: j.FriendlyFire,
	}
	return nil
}

// ParseModes reads a JSON array of modes (the format of the embedded
// modes.json), validates each, and rejects an empty list, duplicate names
// and trailing data. The modes keep their order.
func ParseModes(data []byte) ([]Mode, error) {
	var modes []Mode
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&modes); err != nil {
		return nil, fmt.Errorf("parse modes: %w", err)
	}
	if dec.More() {
		return nil, errors.New("parse modes: data after the array")
	}
	if len(modes) == 0 {
		return nil, errors.New("parse modes: no modes")
	}
	var errs []error
	for i, m := range modes {
		if err := m.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("mode %d: %w", i, err))
		}
		for _, prev := range modes[:i] {
			if prev.Name == m.Name {
				errs = append(errs, fmt.Errorf("mode %d: duplicate name %q", i, m.Name))
				break
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("parse modes: %w", err)
	}
	return modes, nil
}

// DefaultModes returns the modes of docs/game.md from the embedded modes.json, in
// file order: duel, teams, ffa, ffa16. Each call returns a new slice. It
// panics only if the embedded file is invalid, which the tests rule out.
func DefaultModes() []Mode {
	modes, err := ParseModes(modesJSON)
	if err != nil {
		panic("game: embedded modes.json: " + err.Error())
	}
	return modes
}

// FindMode returns the mode called name from modes, or an error wrapping
// [ErrUnknownMode].
func FindMode(modes []Mode, name string) (Mode, error) {
	for _, m := range modes {
		if m.Name == name {
			return m, nil
		}
	}
	return Mode{}, fmt.Errorf("mode %q: %w", name, ErrUnknownMode)
}
