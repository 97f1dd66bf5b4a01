// Package huddles is the domain of tech huddles: a huddle in a channel with
// a host, recurring series with reminders, polls (attributed or anonymous,
// single or multiple choice, 1–5 ratings), vote decisions and tallies, a
// parking lot of questions, the end-of-huddle summary, and the parsing of
// the /huddle command text.
//
// It is pure: no chat SDK, no SQL, no clock. Every decision takes the time
// it is about as an argument, so the rules are table-testable across time
// zones and daylight-saving edges.
package huddles

import (
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/member"
)

// Huddle is one tech huddle in a channel. It is open until EndedAt is set;
// at most one huddle is open per channel.
type Huddle struct {
	ID          int64
	WorkspaceID int64
	SeriesID    int64 // 0 = a one-off huddle
	Channel     string
	HostID      int64
	HostName    string // filled by reads that join the member
	Title       string
	Agenda      string
	StartedAt   time.Time
	EndedAt     time.Time // zero while open
	MessageID   int64     // the start card; the summary is a thread reply to it
	SummaryID   int64
}

// Open reports whether the huddle has not ended.
func (h *Huddle) Open() bool { return h.EndedAt.IsZero() }

// MayManage reports whether m may run host actions on h (agenda, polls,
// closing polls, marking questions, ending): the host, or a trainer or admin.
// Another super-user is not the host of someone else's huddle.
func MayManage(h *Huddle, m *member.Member) bool {
	return m != nil && (m.ID == h.HostID || m.Has(member.PermTrainer))
}

// MayHost reports whether m may start or schedule huddles: super-users,
// trainers and admins.
func MayHost(m *member.Member) bool { return m != nil && m.Has(member.PermSuperUser) }

// Limits on what people type: huddlebot's own, chosen so that a huddle's
// cards show it whole on every chat platform it supports (the smallest of
// their limits for where the text goes); the adapters still fit what they
// render to their own platform.
const (
	MaxTitle    = 120  // a card header adds "🗣 Tech huddle: " and must stay within 150 (Slack's header)
	MaxAgenda   = 2000 // a Discord message (2000), the shortest text message of all
	MaxQuestion = 300  // a poll question or a parking-lot question: a line or two on a phone
	MaxOption   = 75   // a button or menu label: Slack's hold 75, Discord's 80 (button) and 100 (menu)
	MaxButtons  = 10   // options shown as buttons, one a row; more use a select menu
	MaxOptions  = 25   // the most a select menu holds everywhere (Discord 25, Slack 100)
)

// SeriesWindow is how close to a scheduled occurrence a /huddle start must be
// to belong to the series when its title differs.
const SeriesWindow = time.Hour

// MatchSeries picks the series a huddle started at now with title belongs
// to, among the active series of its channel: the one with the same title
// (case-insensitive), else, when title is empty or no title matches, the one
// with an occurrence within SeriesWindow of now, else — when title is empty
// and the channel has exactly one series — that one. It returns nil when the
// huddle is a one-off.
func MatchSeries(series []*Series, title string, now time.Time) *Series {
	title = strings.TrimSpace(title)
	var active []*Series
	for _, s := range series {
		if s.Active {
			active = append(active, s)
		}
	}
	if title != "" {
		for _, s := range active {
			if strings.EqualFold(strings.TrimSpace(s.Title), title) {
				return s
			}
		}
	}
	for _, s := range active {
		if s.Near(now, SeriesWindow) {
			return s
		}
	}
	if title == "" && len(active) == 1 {
		return active[0]
	}
	return nil
}

// Attendee is a person who took part in a huddle under their own name: they
// voted in an attributed poll, asked a question openly, or +1'd one. An
// anonymous vote or question never makes anyone an attendee.
type Attendee struct {
	MemberID int64
	Name     string
	JoinedAt time.Time // their first attributed action in the huddle
}

// Audience returns the attendees who had joined before at: the people a poll
// opened at that moment can expect an answer from.
func Audience(attendees []Attendee, at time.Time) []Attendee {
	var out []Attendee
	for _, a := range attendees {
		if a.JoinedAt.Before(at) {
			out = append(out, a)
		}
	}
	return out
}

// EveryoneVoted reports whether a poll may close early: it had an audience
// (attendees who joined before it opened) and all of them have voted. A poll
// opened before anyone took part never closes this way — otherwise the first
// vote would close it.
func EveryoneVoted(audience, audienceVoted int) bool {
	return audience > 0 && audienceVoted >= audience
}
