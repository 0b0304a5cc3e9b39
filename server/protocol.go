package server

import (
	"google.golang.org/protobuf/proto"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Websocket close codes Arena uses beyond RFC 6455's.
const (
	closeUnauthenticated = 4001 // missing, tampered or expired token
	closeReplaced        = 4002 // the same player connected again elsewhere
	closeSlowConsumer    = 4003 // control messages could not be delivered in time
	closeBadMessage      = 4004 // a frame that is not a ClientMessage
)

// errorMessage builds the Error a client receives for a refused message.
func errorMessage(requestID uint32, code arenav1.ErrorCode, text string) *arenav1.ServerMessage {
	return &arenav1.ServerMessage{
		RequestId: requestID,
		Body:      &arenav1.ServerMessage_Error{Error: &arenav1.Error{Code: code, Message: text}},
	}
}

// marshalOptions encode server messages; deterministic so that identical
// messages are identical bytes (golden files, encode-once broadcasts).
var marshalOptions = proto.MarshalOptions{Deterministic: true}
