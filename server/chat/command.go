package chat

import (
	"errors"
	"strings"
)

// CommandKind is a chat command a player can type.
type CommandKind uint8

// The commands: "/mute NAME", "/unmute NAME", "/report NAME [reason]".
const (
	CommandNone CommandKind = iota
	CommandMute
	CommandUnmute
	CommandReport
)

// Command is a parsed chat command.
type Command struct {
	Kind   CommandKind
	Name   string // the player named
	Reason string // the rest of a report
}

// ErrUnknownCommand is a line starting with '/' that is no command.
var ErrUnknownCommand = errors.New("unknown command: try /mute NAME, /unmute NAME or /report NAME reason")

// ErrCommandNeedsName is a command without the player's name.
var ErrCommandNeedsName = errors.New("the command needs a player's name")

// ParseCommand reads a cleaned chat line. Lines not starting with '/' are
// CommandNone. Names are matched case-insensitively by the caller; a name
// with spaces can be quoted: /mute "big bob".
func ParseCommand(text string) (Command, error) {
	if !strings.HasPrefix(text, "/") {
		return Command{}, nil
	}
	verb, rest, _ := strings.Cut(text[1:], " ")
	var kind CommandKind
	switch strings.ToLower(verb) {
	case "mute":
		kind = CommandMute
	case "unmute":
		kind = CommandUnmute
	case "report":
		kind = CommandReport
	default:
		return Command{}, ErrUnknownCommand
	}
	rest = strings.TrimSpace(rest)
	var name string
	if strings.HasPrefix(rest, `"`) {
		if end := strings.Index(rest[1:], `"`); end >= 0 {
			name, rest = rest[1:1+end], rest[2+end:]
		}
	}
	if name == "" {
		name, rest, _ = strings.Cut(rest, " ")
	}
	if name == "" {
		return Command{}, ErrCommandNeedsName
	}
	return Command{Kind: kind, Name: name, Reason: strings.TrimSpace(rest)}, nil
}
