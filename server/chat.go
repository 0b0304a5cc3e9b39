package server

import (
	"errors"
	"log/slog"
	"strings"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server/chat"
)

// handleChat validates a chat line or command from p and routes it to the
// channel's owner: the player's match (match and team channels) or the lobby.
func (s *Server) handleChat(p *player, c *conn, req uint32, send *arenav1.ChatSend) {
	text, err := chat.Clean(send.GetText())
	if err != nil {
		s.reject(c, req, "invalid_chat", arenav1.ErrorCode_ERROR_CODE_INVALID_CHAT, err.Error())
		return
	}
	if !p.chatLimit.AllowN(s.cfg.Clock.Now(), 1) {
		s.reject(c, req, "chat_rate", arenav1.ErrorCode_ERROR_CODE_RATE_LIMITED, "slow down: too many chat messages")
		return
	}
	if m := s.lobby.watched(p); m != nil {
		s.spectatorChat(p, c, req, m, send.GetChannel(), text)
		return
	}
	channel := send.GetChannel()
	seat := p.match.Load()
	switch {
	case channel == arenav1.ChatChannel_CHAT_CHANNEL_UNSPECIFIED && seat != nil:
		channel = arenav1.ChatChannel_CHAT_CHANNEL_MATCH
	case channel == arenav1.ChatChannel_CHAT_CHANNEL_UNSPECIFIED:
		channel = arenav1.ChatChannel_CHAT_CHANNEL_LOBBY
	}
	inMatchChannel := channel == arenav1.ChatChannel_CHAT_CHANNEL_MATCH || channel == arenav1.ChatChannel_CHAT_CHANNEL_TEAM
	switch {
	case inMatchChannel && seat == nil:
		s.reject(c, req, "chat_channel", arenav1.ErrorCode_ERROR_CODE_NOT_IN_MATCH, "match and team chat are only open in a match")
		return
	case channel == arenav1.ChatChannel_CHAT_CHANNEL_LOBBY && seat != nil:
		s.reject(c, req, "chat_channel", arenav1.ErrorCode_ERROR_CODE_WRONG_PHASE, "lobby chat is closed during a match")
		return
	case !inMatchChannel && channel != arenav1.ChatChannel_CHAT_CHANNEL_LOBBY:
		s.reject(c, req, "chat_channel", arenav1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, "unknown chat channel")
		return
	}

	cmd, err := chat.ParseCommand(text)
	if err != nil {
		s.reject(c, req, "chat_command", arenav1.ErrorCode_ERROR_CODE_INVALID_CHAT, err.Error())
		return
	}
	switch cmd.Kind {
	case chat.CommandMute, chat.CommandUnmute:
		on := cmd.Kind == chat.CommandMute
		p.mute(cmd.Name, on)
		verb := map[bool]string{true: "muted", false: "unmuted"}[on]
		c.send(notice(channel, "You "+verb+" "+cmd.Name+"."))
		return
	case chat.CommandReport:
		r := &chatReport{reporter: p, reported: cmd.Name, reason: cmd.Reason, channel: channel}
		if seat != nil {
			seat.m.report(seat.ship, r)
		} else {
			r.log(s.log, nil)
			r.logLines(s.log, s.lobby.lobbyHistory())
		}
		c.send(notice(channel, "Thanks: your report on "+cmd.Name+" was recorded."))
		return
	}

	msg := &arenav1.ChatMessage{Channel: channel, SenderId: p.id, SenderName: p.name, Text: s.chatFilter.Mask(text)}
	if seat != nil {
		msg.SenderTeam = uint32(seat.team)
		seat.m.chat(seat.ship, msg)
		return
	}
	if err := s.lobby.postLobby(msg, s.cfg.Clock.Now()); err != nil {
		s.log.Error("lobby chat", slog.Any("err", err))
	}
}

// spectatorChat posts a spectator's line to the spectators of m, which
// the match's players do not see. Commands are for players only.
func (s *Server) spectatorChat(p *player, c *conn, req uint32, m *match, channel arenav1.ChatChannel, text string) {
	if channel != arenav1.ChatChannel_CHAT_CHANNEL_UNSPECIFIED && channel != arenav1.ChatChannel_CHAT_CHANNEL_SPECTATORS {
		s.reject(c, req, "chat_channel", arenav1.ErrorCode_ERROR_CODE_WRONG_PHASE, errSpectatorChannel.Error())
		return
	}
	if cmd, err := chat.ParseCommand(text); err != nil || cmd.Kind != chat.CommandNone {
		s.reject(c, req, "chat_command", arenav1.ErrorCode_ERROR_CODE_INVALID_CHAT, "chat commands are for players in a match or the lobby")
		return
	}
	m.send(matchEvent{kind: eventSpectatorChat, watcher: p, chat: &arenav1.ChatMessage{
		Channel: arenav1.ChatChannel_CHAT_CHANNEL_SPECTATORS, SenderId: p.id, SenderName: p.name, Text: s.chatFilter.Mask(text),
	}})
}

// notice is a system line for one player only (answers to commands).
func notice(channel arenav1.ChatChannel, text string) *arenav1.ServerMessage {
	return &arenav1.ServerMessage{Body: &arenav1.ServerMessage_ChatMessage{ChatMessage: &arenav1.ChatMessage{
		Channel: channel, Text: text, System: true,
	}}}
}

// chatReport is one player's report of another's chat, logged with the
// reported player's recent lines in the channel.
type chatReport struct {
	reporter *player
	reported string
	reason   string
	channel  arenav1.ChatChannel
}

// log writes the report and, when given, the reported player's lines in ch.
func (r *chatReport) log(log *slog.Logger, ch *chat.Channel) {
	log.Warn("chat report",
		slog.String("reporter", r.reporter.id), slog.String("reporter_name", r.reporter.name),
		slog.String("reported_name", r.reported), slog.String("reason", r.reason),
		slog.String("channel", r.channel.String()))
	if ch != nil {
		r.logLines(log, ch.History())
	}
}

// logLines logs the reported player's lines among lines.
func (r *chatReport) logLines(log *slog.Logger, lines []chat.Line) {
	for _, l := range lines {
		if strings.EqualFold(l.Msg.GetSenderName(), r.reported) {
			log.Warn("chat report line",
				slog.String("reporter", r.reporter.id), slog.String("sender", l.Msg.GetSenderId()),
				slog.String("sender_name", l.Msg.GetSenderName()), slog.Uint64("seq", l.Msg.GetSeq()),
				slog.String("text", l.Msg.GetText()))
		}
	}
}

var errNoTeamChat = errors.New("this mode has no team chat")
