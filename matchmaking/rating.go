package matchmaking

import "math"

// The Weng-Lin model's constants, with OpenSkill's defaults.
const (
	// DefaultMu is a new player's mean skill.
	DefaultMu = 25.0
	// DefaultSigma is a new player's uncertainty (standard deviation).
	DefaultSigma = DefaultMu / 3
	// Beta is the standard deviation of one performance around its skill:
	// a player Beta above another wins a duel about 76% of the time.
	Beta = DefaultSigma / 2
	// tau is the dynamics factor added (in quadrature) to every sigma before
	// an update, so that ratings can keep moving as players improve.
	tau = DefaultMu / 300
	// kappa is the smallest factor a sigma² may shrink by in one update.
	kappa = 1e-4
)

// Displayed ratings: Display maps the conservative ordinal to an integer.
const (
	// DisplayBase is the Display of a new player (Ordinal 0).
	DisplayBase = 1000
	// DisplayScale is how many Display points one Mu or Ordinal point is
	// worth; multiply a rating window by it to show it in Display points.
	DisplayScale = 40
)

// Rating is a player's skill belief in the Weng-Lin model: a normal
// distribution with mean Mu and standard deviation Sigma.
type Rating struct {
	// Mu is the mean skill; new players have DefaultMu.
	Mu float64
	// Sigma is the uncertainty about Mu; new players have DefaultSigma and
	// it shrinks as they play.
	Sigma float64
}

// NewRating returns the rating of a player who has never played:
// Mu DefaultMu (25) and Sigma DefaultSigma (25/3).
func NewRating() Rating {
	return Rating{Mu: DefaultMu, Sigma: DefaultSigma}
}

// Ordinal returns the conservative skill estimate Mu - 3*Sigma: the player is
// better than that with about 99.7% confidence. It is 0 for a new player and
// is what leaderboards sort by.
func (r Rating) Ordinal() float64 {
	return r.Mu - 3*r.Sigma
}

// Display returns the integer shown to players on the results screen and in
// the menu: round(DisplayBase + DisplayScale*Ordinal()), that is
// round(1000 + 40*Ordinal()), never below 0. A new player shows
// 1000; a rating change is shown as the difference of two Display values.
// Early on the number tends to rise even after a loss, because Sigma shrinks
// faster than Mu falls: that is the ordinal working as intended.
func (r Rating) Display() int {
	d := math.Round(DisplayBase + DisplayScale*r.Ordinal())
	if !(d > 0) { // also catches NaN
		return 0
	}
	if d > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(d)
}

// valid reports whether r can take part in a rating update.
func (r Rating) valid() bool {
	return !math.IsNaN(r.Mu) && !math.IsInf(r.Mu, 0) &&
		!math.IsNaN(r.Sigma) && !math.IsInf(r.Sigma, 0) && r.Sigma >= 0
}

// Rate updates the ratings of the players of one finished match with the
// Weng-Lin Plackett-Luce model, exactly as OpenSkill's rate does with its
// defaults (beta 25/6, tau 25/300, kappa 1e-4, no sigma limit).
//
// teams holds each side's players' ratings before the match (a free-for-all
// is one player per team). ranks gives each team's placement: lower is
// better, equal values are a tie, only the order matters (1, 2, 2, 4 and
// 0, 5, 5, 9 mean the same). A nil ranks means the teams are listed in
// finishing order with no ties. A player who left early should be ranked last.
//
// Rate returns new ratings in the same shape as teams and never modifies its
// arguments. Empty teams (no-shows) take no part and come back empty. If
// ranks is neither nil nor as long as teams, if fewer than two teams have
// players, or if a rating is not finite or has a negative Sigma, Rate returns
// a copy of the ratings unchanged.
func Rate(teams [][]Rating, ranks []int) [][]Rating {
	out := make([][]Rating, len(teams))
	for i, team := range teams {
		out[i] = append([]Rating(nil), team...)
	}
	if !rateable(teams, ranks) {
		return out
	}

	// Per team: rank, summed mu and summed variance after adding tau².
	type side struct {
		index int
		rank  int
		mu    float64
		sigSq float64
		exp   float64 // exp((mu-maxMu)/c), see below
	}
	sides := make([]side, 0, len(teams))
	for i, team := range teams {
		if len(team) == 0 {
			continue
		}
		s := side{index: i, rank: i}
		if ranks != nil {
			s.rank = ranks[i]
		}
		for _, r := range team {
			s.mu += r.Mu
			s.sigSq += r.Sigma*r.Sigma + tau*tau
		}
		sides = append(sides, s)
	}

	var cSq float64
	maxMu := math.Inf(-1)
	for _, s := range sides {
		cSq += s.sigSq + Beta*Beta
		maxMu = max(maxMu, s.mu)
	}
	c := math.Sqrt(cSq)
	// exp(mu/c) appears only in ratios, so shifting every exponent by the
	// largest keeps it finite without changing the result.
	for i := range sides {
		sides[i].exp = math.Exp((sides[i].mu - maxMu) / c)
	}

	// sumQ[q]: the sum of exp over every team placed no better than q.
	// tied[q]: how many teams share q's placement.
	sumQ := make([]float64, len(sides))
	tied := make([]float64, len(sides))
	for q, sq := range sides {
		for _, si := range sides {
			if si.rank >= sq.rank {
				sumQ[q] += si.exp
			}
			if si.rank == sq.rank {
				tied[q]++
			}
		}
	}

	for i, si := range sides {
		var omega, delta float64
		for q, sq := range sides {
			if sq.rank > si.rank {
				continue
			}
			quotient := si.exp / sumQ[q]
			if i == q {
				omega += (1 - quotient) / tied[q]
			} else {
				omega -= quotient / tied[q]
			}
			delta += quotient * (1 - quotient) / tied[q]
		}
		gamma := math.Sqrt(si.sigSq) / c
		teamOmega := omega * si.sigSq / c
		teamDelta := delta * si.sigSq / cSq * gamma
		for k, r := range teams[si.index] {
			sigSq := r.Sigma*r.Sigma + tau*tau
			share := sigSq / si.sigSq
			out[si.index][k] = Rating{
				Mu:    r.Mu + share*teamOmega,
				Sigma: math.Sqrt(sigSq) * math.Sqrt(max(1-share*teamDelta, kappa)),
			}
		}
	}
	return out
}

// rateable reports whether Rate can update teams placed by ranks.
func rateable(teams [][]Rating, ranks []int) bool {
	if ranks != nil && len(ranks) != len(teams) {
		return false
	}
	sides := 0
	for _, team := range teams {
		if len(team) > 0 {
			sides++
		}
		for _, r := range team {
			if !r.valid() {
				return false
			}
		}
	}
	return sides >= 2
}
