package matchmaking

import "sync"

// Store keeps players' ratings. The server reads a player's rating when they
// queue and writes the new ratings when a match ends. A durable store (a
// database) can implement it later; MemoryStore keeps ratings in memory.
type Store interface {
	// Rating returns p's rating and whether p has one.
	Rating(p PlayerID) (Rating, bool)
	// SetRating records p's rating.
	SetRating(p PlayerID, r Rating)
}

// MemoryStore is a Store held in memory for the life of the process. It is
// safe for concurrent use. The zero value is not usable; call NewMemoryStore.
type MemoryStore struct {
	mu      sync.RWMutex
	ratings map[PlayerID]Rating
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{ratings: make(map[PlayerID]Rating)}
}

// Rating returns p's rating and whether p has one.
func (s *MemoryStore) Rating(p PlayerID) (Rating, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.ratings[p]
	return r, ok
}

// SetRating records p's rating.
func (s *MemoryStore) SetRating(p PlayerID, r Rating) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ratings[p] = r
}

// Len returns how many players have a rating.
func (s *MemoryStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.ratings)
}
