package transport

// Websocket close codes Arena's server uses beyond RFC 6455's, shared by the
// server that sends them and the clients that read them (CloseCode).
const (
	// CloseUnauthenticated: a missing, tampered or expired token.
	CloseUnauthenticated = 4001
	// CloseReplaced: the same player connected again elsewhere.
	CloseReplaced = 4002
	// CloseSlowConsumer: messages could not be delivered in time.
	CloseSlowConsumer = 4003
	// CloseBadMessage: a first frame that is not a ClientMessage.
	CloseBadMessage = 4004
	// CloseSeatRefused: a seat ticket that is forged, expired, already used,
	// meant for another node, or for a seat this node does not hold.
	CloseSeatRefused = 4005
)
