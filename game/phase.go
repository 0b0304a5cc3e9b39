package game

import "fmt"

// Phase is where a match stands.
type Phase uint8

// Phases of a match, in order.
const (
	// PhaseCountdown: ships are placed and may aim, but cannot move or fire.
	PhaseCountdown Phase = iota + 1
	// PhasePlaying: the match is on.
	PhasePlaying
	// PhaseEnded: the match is over; Step does nothing.
	PhaseEnded
)

// String returns the phase's name.
func (p Phase) String() string {
	switch p {
	case PhaseCountdown:
		return "countdown"
	case PhasePlaying:
		return "playing"
	case PhaseEnded:
		return "ended"
	}
	return fmt.Sprintf("Phase(%d)", uint8(p))
}

// EndReason is why a match ended.
type EndReason uint8

// Reasons a match ends.
const (
	// EndNone: the match has not ended.
	EndNone EndReason = iota
	// EndScoreLimit: a player (or a team in team modes) reached the score
	// limit.
	EndScoreLimit
	// EndTimeLimit: the time limit ran out.
	EndTimeLimit
	// EndAbandoned: fewer than two sides had a player left.
	EndAbandoned
)

// String returns the reason's name.
func (r EndReason) String() string {
	switch r {
	case EndNone:
		return "none"
	case EndScoreLimit:
		return "score limit"
	case EndTimeLimit:
		return "time limit"
	case EndAbandoned:
		return "abandoned"
	}
	return fmt.Sprintf("EndReason(%d)", uint8(r))
}
