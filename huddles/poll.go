package huddles

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/huddlebot/huddlebot/i18n"
)

// PollKind is what a poll asks for.
type PollKind string

// Poll kinds.
const (
	KindChoice PollKind = "choice" // pick among options
	KindRating PollKind = "rating" // 1–5
)

// RatingOptions are the options of a rating poll.
var RatingOptions = []string{"1", "2", "3", "4", "5"}

// Poll is a question with options, posted in a huddle's channel.
//
// Anonymity is chosen when the poll is created and can be changed only until
// the first vote: an anonymous poll stores no member, no time and no order
// with a vote — only a VoterTag per voter and a separate ChoiceTag per option
// chosen, both derived from VoterHash(key, poll, member) — so nobody with
// the database alone (not the host, not an admin) can tell who voted what,
// when, or in which order. docs/huddles.md says what the key adds.
type Poll struct {
	ID          int64
	WorkspaceID int64
	HuddleID    int64
	Channel     string
	CreatorID   int64
	Question    string
	Options     []string
	Kind        PollKind
	MaxChoices  int  // 1 = single choice; more = pick up to that many
	Anonymous   bool // fixed once a vote is cast
	Hidden      bool // results shown only once closed
	ClosesAt    time.Time
	ClosedAt    time.Time
	MessageID   int64
	RenderedAt  time.Time // when the card was last (re)rendered
	Dirty       bool      // votes arrived since RenderedAt
	CreatedAt   time.Time
}

// Closed reports whether the poll takes no more votes at now: it was closed,
// or its closing time has passed (the scheduler records the close shortly).
func (p *Poll) Closed(now time.Time) bool {
	return !p.ClosedAt.IsZero() || (!p.ClosesAt.IsZero() && !now.Before(p.ClosesAt))
}

// DueToClose reports whether the scheduler should close the poll at now.
func (p *Poll) DueToClose(now time.Time) bool {
	return p.ClosedAt.IsZero() && !p.ClosesAt.IsZero() && !now.Before(p.ClosesAt)
}

// Multi reports whether voters may pick more than one option.
func (p *Poll) Multi() bool { return p.MaxChoices > 1 }

// ResultsVisible reports whether the card shows the tally at now: always for
// a live poll, only once closed for a hidden one.
func (p *Poll) ResultsVisible(now time.Time) bool { return !p.Hidden || p.Closed(now) }

// Visibility is the line on the card that says who can see what, in l's
// language.
func (p *Poll) Visibility(l *i18n.Localizer) string {
	s := l.T("huddles.poll.visible", nil)
	if p.Anonymous {
		s = l.T("huddles.poll.anonymous", nil)
	}
	if p.Hidden {
		s += " " + l.T("huddles.poll.hidden_until_closed", nil)
	} else {
		s += " " + l.T("huddles.poll.live", nil)
	}
	return s
}

// HowToVote is the instruction line in l's language: single or multiple
// choice.
func (p *Poll) HowToVote(l *i18n.Localizer) string {
	switch {
	case p.Kind == KindRating:
		return l.T("huddles.poll.how_rating", nil)
	case p.Multi() && p.MaxChoices >= len(p.Options):
		return l.T("huddles.poll.how_any", nil)
	case p.Multi():
		return l.T("huddles.poll.how_multi", i18n.Data{"Max": p.MaxChoices})
	default:
		return l.T("huddles.poll.how_one", nil)
	}
}

// Vote errors.
var (
	ErrPollClosed   = errors.New("this poll is closed")
	ErrNoSuchOption = errors.New("that option is not on this poll")
)

// TooManyError refuses a pick beyond MaxChoices.
type TooManyError struct{ Max int }

func (e *TooManyError) Error() string {
	return fmt.Sprintf("you can pick at most %d — tap one of your picks to remove it first", e.Max)
}

// Choose decides a voter's options after they tap option (1-based), given
// their current options. On a single-choice poll the tap replaces the vote;
// on a multiple-choice poll it toggles the option, up to MaxChoices. It
// returns ErrPollClosed, ErrNoSuchOption or a *TooManyError and changes
// nothing when the tap is not allowed. The result is sorted.
func (p *Poll) Choose(current []int, option int, now time.Time) ([]int, error) {
	if p.Closed(now) {
		return nil, ErrPollClosed
	}
	if option < 1 || option > len(p.Options) {
		return nil, ErrNoSuchOption
	}
	if !p.Multi() {
		return []int{option}, nil
	}
	next := slices.Clone(current)
	if i := slices.Index(next, option); i >= 0 {
		return slices.Delete(next, i, i+1), nil
	}
	if len(next) >= p.MaxChoices {
		return nil, &TooManyError{Max: p.MaxChoices}
	}
	next = append(next, option)
	slices.Sort(next)
	return next, nil
}

// Labels returns the labels of options (1-based), skipping unknown ones.
func (p *Poll) Labels(options []int) []string {
	var out []string
	for _, o := range options {
		if o >= 1 && o <= len(p.Options) {
			out = append(out, p.Options[o-1])
		}
	}
	return out
}

// VoterHash is the keyed hash an anonymous vote is derived from:
// HMAC-SHA256(key, poll id ‖ member id), hex. It is never stored itself;
// VoterTag and ChoiceTag are. It lets the bot enforce one vote per person per
// poll while making it impossible to tell, without the key (which is never
// stored in the database), who cast a vote; the poll id in the input makes
// the same person's hashes unrelated across polls.
func VoterHash(key []byte, pollID, memberID int64) string {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(pollID))
	binary.BigEndian.PutUint64(buf[8:], uint64(memberID))
	m := hmac.New(sha256.New, key)
	m.Write(buf[:])
	return hex.EncodeToString(m.Sum(nil))
}

// VoterTag is what an anonymous poll stores to count a voter once, given
// their VoterHash: SHA-256("voter:" ‖ hash), hex. It is kept apart from the
// options they chose, so the database holds a set of voters and, per
// option, a set of choices, with nothing tying one to the other.
func VoterTag(voterHash string) string { return sha256Hex("voter:" + voterHash) }

// ChoiceTag is what an anonymous poll stores for one option a voter chose:
// SHA-256("option:" ‖ option ‖ ":" ‖ hash), hex. Each option gets its own
// tag, so a voter's picks on a multiple-choice poll cannot be linked to one
// another (nor to their VoterTag) without the key. Both tags derive from
// VoterHash rather than from the key directly so that votes stored before
// the tags existed (keyed hash per voter) could be migrated in SQL.
func ChoiceTag(voterHash string, option int) string {
	return sha256Hex("option:" + strconv.Itoa(option) + ":" + voterHash)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Choices packs options (1-based, at most MaxOptions) into the bit set an
// attributed ballot stores: bit o-1 set means option o was chosen.
func Choices(options []int) int64 {
	var c int64
	for _, o := range options {
		if o >= 1 && o <= 62 {
			c |= 1 << (o - 1)
		}
	}
	return c
}

// ChoiceOptions unpacks a bit set made by Choices into sorted options.
func ChoiceOptions(c int64) []int {
	var out []int
	for o := 1; o <= 62; o++ {
		if c&(1<<(o-1)) != 0 {
			out = append(out, o)
		}
	}
	return out
}

// RenderDue decides live-tally coalescing: a poll's card may be re-rendered
// at now only when at least every has passed since it was last rendered. It
// returns whether to render now, and otherwise the earliest time it may.
// Calling it under the poll's row lock (which votes do not take; they only
// share it) guarantees at most one card update per poll per interval,
// whatever the vote rate.
func RenderDue(renderedAt, now time.Time, every time.Duration) (bool, time.Time) {
	at := renderedAt.Add(every)
	if renderedAt.IsZero() || !now.Before(at) {
		return true, now
	}
	return false, at
}

// OptionNumber parses a 1-based option number from a button or menu value.
func OptionNumber(s string, n int) (int, bool) {
	v, err := strconv.Atoi(s)
	return v, err == nil && v >= 1 && v <= n
}
