package matchmaking

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// referenceCase is one case of testdata/openskill_pl.json, written by
// testdata/gen.mjs with npm's openskill.
type referenceCase struct {
	Name     string         `json:"name"`
	Teams    [][]jsonRating `json:"teams"`
	Ranks    []int          `json:"ranks"`
	Expected [][]jsonRating `json:"expected"`
}

type jsonRating struct {
	Mu    float64 `json:"mu"`
	Sigma float64 `json:"sigma"`
}

func TestRateMatchesOpenSkill(t *testing.T) {
	raw, err := os.ReadFile("testdata/openskill_pl.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		OpenSkill string          `json:"openskill"`
		Model     string          `json:"model"`
		Cases     []referenceCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if file.Model != "PlackettLuce" || len(file.Cases) < 30 {
		t.Fatalf("unexpected reference file: model %q, %d cases", file.Model, len(file.Cases))
	}
	const tolerance = 1e-9
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			teams := make([][]Rating, len(c.Teams))
			for i, team := range c.Teams {
				for _, r := range team {
					teams[i] = append(teams[i], Rating{Mu: r.Mu, Sigma: r.Sigma})
				}
			}
			got := Rate(teams, c.Ranks)
			for i, team := range c.Expected {
				for k, want := range team {
					g := got[i][k]
					if math.Abs(g.Mu-want.Mu) > tolerance || math.Abs(g.Sigma-want.Sigma) > tolerance {
						t.Errorf("team %d player %d: got mu %.12f sigma %.12f, openskill %s gives mu %.12f sigma %.12f",
							i, k, g.Mu, g.Sigma, file.OpenSkill, want.Mu, want.Sigma)
					}
				}
			}
		})
	}
}

func TestNewRating(t *testing.T) {
	r := NewRating()
	if r.Mu != 25 || math.Abs(r.Sigma-25.0/3) > 1e-15 {
		t.Fatalf("NewRating() = %+v", r)
	}
	if math.Abs(r.Ordinal()) > 1e-12 {
		t.Errorf("new Ordinal() = %v, want 0", r.Ordinal())
	}
	if r.Display() != 1000 {
		t.Errorf("new Display() = %d, want 1000", r.Display())
	}
	for _, r := range []Rating{{Mu: -100, Sigma: 1}, {Mu: math.NaN(), Sigma: 1}} {
		if d := r.Display(); d != 0 {
			t.Errorf("%+v.Display() = %d, want 0", r, d)
		}
	}
	if a, b := (Rating{Mu: 30, Sigma: 2}).Display(), (Rating{Mu: 31, Sigma: 2}).Display(); b-a != 40 {
		t.Errorf("one Mu point shows as %d, want 40", b-a)
	}
}

// randomMatch returns teams×perTeam random ratings and a random placement
// with occasional ties.
func randomMatch(rng *rand.Rand, teams, perTeam int) ([][]Rating, []int) {
	rs := make([][]Rating, teams)
	ranks := make([]int, teams)
	for i := range rs {
		for range perTeam {
			rs[i] = append(rs[i], Rating{Mu: 10 + 30*rng.Float64(), Sigma: 0.5 + 8*rng.Float64()})
		}
		ranks[i] = rng.IntN(teams)
	}
	return rs, ranks
}

func TestRateProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][2]int{{2, 1}, {2, 2}, {8, 1}, {16, 1}, {3, 3}, {2, 5}}
	for range 2000 {
		sh := shapes[rng.IntN(len(shapes))]
		teams, ranks := randomMatch(rng, sh[0], sh[1])
		before := clone(teams)
		after := Rate(teams, ranks)
		if !equal(teams, before) {
			t.Fatal("Rate modified its argument")
		}
		// A sole winner rises and a sole last falls. (A tie at the top with
		// a much weaker team is evidence against the stronger one, so
		// shared places may move either way.)
		best, worst := ranks[0], ranks[0]
		for _, r := range ranks {
			best, worst = min(best, r), max(worst, r)
		}
		nBest, nWorst := 0, 0
		for _, r := range ranks {
			if r == best {
				nBest++
			}
			if r == worst {
				nWorst++
			}
		}
		// Conservation: the team mean changes weighted by 1/team variance
		// sum to zero in Plackett-Luce (Σ omega = 0).
		var weighted float64
		for i, team := range teams {
			var dMu, sigSq float64
			for k, r := range team {
				a := after[i][k]
				dMu += a.Mu - r.Mu
				sigSq += r.Sigma*r.Sigma + tau*tau
				if a.Sigma > math.Sqrt(r.Sigma*r.Sigma+tau*tau)+1e-12 {
					t.Fatalf("sigma grew beyond tau: %v -> %v", r.Sigma, a.Sigma)
				}
				if nBest == 1 && ranks[i] == best && a.Mu <= r.Mu {
					t.Fatalf("winner's mu did not rise: %v -> %v (ranks %v)", r.Mu, a.Mu, ranks)
				}
				if nWorst == 1 && ranks[i] == worst && a.Mu >= r.Mu {
					t.Fatalf("last's mu did not fall: %v -> %v (ranks %v)", r.Mu, a.Mu, ranks)
				}
			}
			weighted += dMu / sigSq
		}
		if math.Abs(weighted) > 1e-9 {
			t.Fatalf("weighted mu change %v, want 0", weighted)
		}
	}
}

func TestRateFreshSigmaShrinks(t *testing.T) {
	for _, n := range []int{2, 4, 8, 16} {
		teams := make([][]Rating, n)
		for i := range teams {
			teams[i] = []Rating{NewRating()}
		}
		for i, team := range Rate(teams, nil) {
			if team[0].Sigma >= DefaultSigma {
				t.Errorf("%d players, place %d: sigma %v did not shrink", n, i, team[0].Sigma)
			}
		}
	}
}

func TestRateDegenerate(t *testing.T) {
	r := NewRating()
	cases := map[string]struct {
		teams [][]Rating
		ranks []int
	}{
		"no teams":        {nil, nil},
		"one team":        {[][]Rating{{r, r}}, nil},
		"ranks too short": {[][]Rating{{r}, {r}}, []int{1}},
		"one side empty":  {[][]Rating{{r}, {}}, []int{1, 2}},
		"NaN":             {[][]Rating{{r}, {{Mu: math.NaN(), Sigma: 1}}}, nil},
		"negative sigma":  {[][]Rating{{r}, {{Mu: 1, Sigma: -1}}}, nil},
	}
	for name, c := range cases {
		got := Rate(c.teams, c.ranks)
		if !equal(got, c.teams) && !(name == "NaN") {
			t.Errorf("%s: Rate changed ratings: %v", name, got)
		}
		if len(got) != len(c.teams) {
			t.Errorf("%s: shape changed", name)
		}
	}
	// An empty team (a no-show) is skipped; the others are rated as if it
	// were not there.
	three := Rate([][]Rating{{r}, {}, {r}}, []int{1, 2, 3})
	two := Rate([][]Rating{{r}, {r}}, []int{1, 3})
	if len(three[1]) != 0 || three[0][0] != two[0][0] || three[2][0] != two[1][0] {
		t.Errorf("no-show: got %v, want %v around an empty team", three, two)
	}
}

func clone(teams [][]Rating) [][]Rating {
	out := make([][]Rating, len(teams))
	for i, team := range teams {
		out[i] = append([]Rating(nil), team...)
	}
	return out
}

func equal(a, b [][]Rating) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for k := range a[i] {
			if a[i][k] != b[i][k] && !(math.IsNaN(a[i][k].Mu) && math.IsNaN(b[i][k].Mu)) {
				return false
			}
		}
	}
	return true
}
