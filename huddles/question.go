package huddles

import (
	"errors"
	"time"

	"github.com/huddlebot/huddlebot/i18n"
)

// QuestionStatus is where a parking-lot question stands.
type QuestionStatus string

// Question statuses.
const (
	QuestionOpen      QuestionStatus = "open"
	QuestionAnswered  QuestionStatus = "answered"
	QuestionDeferred  QuestionStatus = "deferred"  // parked for next time
	QuestionEscalated QuestionStatus = "escalated" // sent to the trainers
)

// CarriesOver reports whether a question with this status moves into the
// next occurrence of a recurring huddle: it was not answered or escalated.
func (s QuestionStatus) CarriesOver() bool { return s == QuestionOpen || s == QuestionDeferred }

// Question is a parking-lot question asked during a huddle. HuddleID is the
// huddle that holds it now; OriginHuddleID the one it was asked in (they
// differ once it has carried over). MemberID is 0 when it was asked
// anonymously.
type Question struct {
	ID             int64
	WorkspaceID    int64
	HuddleID       int64
	OriginHuddleID int64
	SeriesID       int64
	MemberID       int64
	AskerName      string // "" when anonymous
	Text           string
	Redacted       bool
	Status         QuestionStatus
	MessageID      int64
	PlusOnes       int
	CreatedAt      time.Time
	ClosedAt       time.Time
}

// Question mark errors.
var (
	ErrSameStatus       = errors.New("the question already has that status")
	ErrAlreadyEscalated = errors.New("the question was already escalated to the trainers")
	ErrBadStatus        = errors.New("unknown question status")
)

// Mark decides a host's change of a question's status: any change is
// allowed except marking it with the status it has, or changing an escalated
// question (the trainers own it now).
func (q *Question) Mark(to QuestionStatus) error {
	switch to {
	case QuestionOpen, QuestionAnswered, QuestionDeferred, QuestionEscalated:
	default:
		return ErrBadStatus
	}
	if q.Status == QuestionEscalated {
		return ErrAlreadyEscalated
	}
	if q.Status == to {
		return ErrSameStatus
	}
	return nil
}

// Asker says who asked in l's language: "by NAME", or "anonymously".
func (q *Question) Asker(l *i18n.Localizer) string {
	if q.MemberID == 0 || q.AskerName == "" {
		return l.T("huddles.question.asked_anonymously", nil)
	}
	return l.T("huddles.question.asked_by", i18n.Data{"Name": q.AskerName})
}
