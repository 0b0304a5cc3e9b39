package server

import (
	"google.golang.org/protobuf/proto"

	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// Websocket close codes Arena uses beyond RFC 6455's: netcode/transport's,
// which the clients read.
const (
	closeUnauthenticated = transport.CloseUnauthenticated
	closeReplaced        = transport.CloseReplaced
	closeSlowConsumer    = transport.CloseSlowConsumer
	closeBadMessage      = transport.CloseBadMessage
	closeSeatRefused     = transport.CloseSeatRefused
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
