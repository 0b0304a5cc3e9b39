package server

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
)

// maxSessionBody bounds the JSON body of a sign-in request.
const maxSessionBody = 1 << 10

type sessionRequest struct {
	Name string `json:"name"`
}

type sessionResponse struct {
	Token    string `json:"token"`
	PlayerID string `json:"player_id"`
	Name     string `json:"name"`
}

type errorResponse struct {
	Error string `json:"error"`
}

// api registers an API route ("METHOD /path"). The path answers any other
// method with 405, an Allow header and a JSON error, so a wrong method never
// falls through to the web client's files.
func (s *Server) api(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	s.mux.HandleFunc(pattern, h)
	s.mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", method)
		writeJSON(w, http.StatusMethodNotAllowed, errorResponse{"method not allowed: use " + method})
	})
}

// handleUnknownAPI answers API paths that do not exist with a JSON 404.
func handleUnknownAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, errorResponse{"no such API: " + r.URL.Path})
}

// isJSON reports whether a request's Content-Type is application/json
// (parameters such as charset allowed).
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// handleSession signs a player in: POST {"name": "..."} → a signed token.
func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, errorResponse{"the server is shutting down"})
		return
	}
	if !isJSON(r) {
		writeJSON(w, http.StatusUnsupportedMediaType, errorResponse{"Content-Type must be application/json"})
		return
	}
	var req sessionRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSessionBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, errorResponse{"body must be JSON like {\"name\": \"...\"}"})
		return
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		writeJSON(w, http.StatusBadRequest, errorResponse{"body must hold one JSON object"})
		return
	}
	if err := validateName(req.Name); err != nil {
		writeJSON(w, http.StatusBadRequest, errorResponse{err.Error()})
		return
	}
	token, id, err := s.signer.issue(req.Name, s.cfg.Clock.Now())
	if err != nil {
		s.log.Error("issue token", slog.Any("err", err))
		writeJSON(w, http.StatusInternalServerError, errorResponse{"could not sign in"})
		return
	}
	writeJSON(w, http.StatusOK, sessionResponse{Token: token, PlayerID: id.PlayerID, Name: id.Name})
}

// modeInfo describes a playable mode to clients.
type modeInfo struct {
	Name           string `json:"name"`
	Teams          int    `json:"teams"`
	PlayersPerTeam int    `json:"players_per_team"`
	ScoreLimit     int    `json:"score_limit"`
	TimeLimitS     int    `json:"time_limit_s"`
}

// handleModes lists the modes players can queue for, in configuration order.
func (s *Server) handleModes(w http.ResponseWriter, _ *http.Request) {
	modes := make([]modeInfo, len(s.cfg.Modes))
	for i, m := range s.cfg.Modes {
		modes[i] = modeInfo{Name: m.Name, Teams: m.Teams, PlayersPerTeam: m.PlayersPerTeam,
			ScoreLimit: m.ScoreLimit, TimeLimitS: int(m.TimeLimit.Seconds())}
	}
	writeJSON(w, http.StatusOK, modes)
}

// health is GET /healthz: "ok"; "degraded" with the reasons while the server
// serves but something it depends on is failing (200: players can still
// play); "draining" (503) while it shuts down.
type health struct {
	Status  string   `json:"status"`
	Reasons []string `json:"reasons,omitempty"`
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, health{Status: "draining"})
		return
	}
	h := health{Status: "ok"}
	if s.writer != nil {
		if ok, reason := s.writer.Health(); !ok {
			h.Status, h.Reasons = "degraded", append(h.Reasons, reason)
		}
	}
	if reason := s.cluster.Health(); reason != "" {
		h.Status, h.Reasons = "degraded", append(h.Reasons, reason)
	}
	writeJSON(w, http.StatusOK, h)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}
