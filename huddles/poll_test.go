package huddles

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/member"
)

func TestPollChoose(t *testing.T) {
	t.Parallel()
	now := utc("2026-03-10T12:00:00Z")
	single := &Poll{Options: []string{"a", "b", "c"}, MaxChoices: 1}
	multi2 := &Poll{Options: []string{"a", "b", "c"}, MaxChoices: 2}
	closed := &Poll{Options: []string{"a", "b"}, MaxChoices: 1, ClosedAt: now.Add(-time.Minute)}
	expired := &Poll{Options: []string{"a", "b"}, MaxChoices: 1, ClosesAt: now}
	tests := []struct {
		name    string
		p       *Poll
		current []int
		option  int
		want    []int
		wantErr error
	}{
		{"first vote", single, nil, 2, []int{2}, nil},
		{"change replaces", single, []int{2}, 3, []int{3}, nil},
		{"same again stays", single, []int{3}, 3, []int{3}, nil},
		{"multi adds", multi2, []int{1}, 3, []int{1, 3}, nil},
		{"multi toggles off", multi2, []int{1, 3}, 1, []int{3}, nil},
		{"multi limit", multi2, []int{1, 3}, 2, nil, &TooManyError{}},
		{"no such option", single, nil, 4, nil, ErrNoSuchOption},
		{"option zero", single, nil, 0, nil, ErrNoSuchOption},
		{"closed", closed, nil, 1, nil, ErrPollClosed},
		{"past closing time", expired, nil, 1, nil, ErrPollClosed},
	}
	for _, tt := range tests {
		got, err := tt.p.Choose(tt.current, tt.option, now)
		switch want := tt.wantErr.(type) {
		case nil:
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: Choose = %v, %v; want %v", tt.name, got, err, tt.want)
			}
		case *TooManyError:
			var tm *TooManyError
			if !errors.As(err, &tm) || tm.Max != 2 {
				t.Errorf("%s: err = %v, want TooManyError{2}", tt.name, err)
			}
		default:
			if !errors.Is(err, want) {
				t.Errorf("%s: err = %v, want %v", tt.name, err, want)
			}
		}
	}
	in := []int{1, 3}
	_, _ = multi2.Choose(in, 1, now)
	if !reflect.DeepEqual(in, []int{1, 3}) {
		t.Errorf("Choose modified its input: %v", in)
	}
}

func TestPollVisibility(t *testing.T) {
	t.Parallel()
	now := utc("2026-03-10T12:00:00Z")
	anon := &Poll{Anonymous: true, Hidden: true}
	if v := anon.Visibility(en); !strings.Contains(v, "nobody, not even the host, can see who voted") || !strings.Contains(v, "hidden until the poll closes") {
		t.Errorf("anonymous hidden visibility = %q", v)
	}
	if anon.ResultsVisible(now) {
		t.Error("hidden open poll shows results")
	}
	anon.ClosedAt = now
	if !anon.ResultsVisible(now) {
		t.Error("hidden closed poll hides results")
	}
	open := &Poll{}
	if v := open.Visibility(en); !strings.Contains(v, "Votes are visible to the host") || !strings.Contains(v, "live") {
		t.Errorf("attributed visibility = %q", v)
	}
	if !open.ResultsVisible(now) {
		t.Error("live poll hides results")
	}
}

func TestPollDueToClose(t *testing.T) {
	t.Parallel()
	now := utc("2026-03-10T12:00:00Z")
	tests := []struct {
		p    Poll
		want bool
	}{
		{Poll{}, false},
		{Poll{ClosesAt: now.Add(time.Second)}, false},
		{Poll{ClosesAt: now}, true},
		{Poll{ClosesAt: now.Add(-time.Hour), ClosedAt: now.Add(-time.Hour)}, false},
	}
	for i, tt := range tests {
		if got := tt.p.DueToClose(now); got != tt.want {
			t.Errorf("%d: DueToClose = %v, want %v", i, got, tt.want)
		}
	}
}

func TestVoterHash(t *testing.T) {
	t.Parallel()
	key := []byte("secret")
	h := VoterHash(key, 7, 42)
	if len(h) != 64 {
		t.Fatalf("hash %q is not 32 hex bytes", h)
	}
	if h != VoterHash(key, 7, 42) {
		t.Error("not deterministic")
	}
	for _, other := range []string{VoterHash([]byte("other"), 7, 42), VoterHash(key, 8, 42), VoterHash(key, 7, 43), VoterHash(nil, 7, 42)} {
		if other == h {
			t.Error("hash does not depend on key, poll and member")
		}
	}
	// Pasting the ids into one number must not collide: (1, 23) vs (12, 3).
	if VoterHash(key, 1, 23) == VoterHash(key, 12, 3) {
		t.Error("ambiguous encoding of poll and member")
	}
}

func TestRenderDue(t *testing.T) {
	t.Parallel()
	t0 := utc("2026-03-10T12:00:00Z")
	every := 2 * time.Second
	tests := []struct {
		rendered, now time.Time
		ok            bool
		at            time.Time
	}{
		{time.Time{}, t0, true, t0},
		{t0, t0, false, t0.Add(every)},
		{t0, t0.Add(1999 * time.Millisecond), false, t0.Add(every)},
		{t0, t0.Add(every), true, t0.Add(every)},
		{t0, t0.Add(time.Hour), true, t0.Add(time.Hour)},
	}
	for i, tt := range tests {
		ok, at := RenderDue(tt.rendered, tt.now, every)
		if ok != tt.ok || !at.Equal(tt.at) {
			t.Errorf("%d: RenderDue = %v, %s; want %v, %s", i, ok, at, tt.ok, tt.at)
		}
	}
	// Whatever the vote rate, renders are at least `every` apart.
	rendered, renders := time.Time{}, 0
	for ms := 0; ms < 10_000; ms += 7 {
		now := t0.Add(time.Duration(ms) * time.Millisecond)
		if ok, _ := RenderDue(rendered, now, every); ok {
			if !rendered.IsZero() && now.Sub(rendered) < every {
				t.Fatalf("render at %s only %s after the last", now, now.Sub(rendered))
			}
			rendered = now
			renders++
		}
	}
	if renders > 6 {
		t.Errorf("%d renders in 10 s with a 2 s interval", renders)
	}
}

func TestAudience(t *testing.T) {
	t.Parallel()
	t0 := utc("2026-03-10T12:00:00Z")
	as := []Attendee{{MemberID: 1, JoinedAt: t0.Add(-time.Minute)}, {MemberID: 2, JoinedAt: t0}, {MemberID: 3, JoinedAt: t0.Add(time.Minute)}}
	if got := Audience(as, t0); len(got) != 1 || got[0].MemberID != 1 {
		t.Errorf("Audience = %+v", got)
	}
	tests := []struct {
		audience, voted int
		want            bool
	}{{0, 0, false}, {0, 3, false}, {2, 1, false}, {2, 2, true}}
	for _, tt := range tests {
		if got := EveryoneVoted(tt.audience, tt.voted); got != tt.want {
			t.Errorf("EveryoneVoted(%d, %d) = %v", tt.audience, tt.voted, got)
		}
	}
}

func TestMayManage(t *testing.T) {
	t.Parallel()
	h := &Huddle{HostID: 1}
	tests := []struct {
		m        *member.Member
		manage   bool
		mayHost  bool
		describe string
	}{
		{&member.Member{ID: 1, Permissions: []member.Permission{member.PermSuperUser}}, true, true, "host"},
		{&member.Member{ID: 2, Permissions: []member.Permission{member.PermSuperUser}}, false, true, "other super-user"},
		{&member.Member{ID: 3, Permissions: []member.Permission{member.PermTrainer}}, true, true, "trainer"},
		{&member.Member{ID: 4, Permissions: []member.Permission{member.PermAdmin}}, true, true, "admin"},
		{&member.Member{ID: 5}, false, false, "learner"},
		{nil, false, false, "nobody"},
	}
	for _, tt := range tests {
		if got := MayManage(h, tt.m); got != tt.manage {
			t.Errorf("%s: MayManage = %v", tt.describe, got)
		}
		if got := MayHost(tt.m); got != tt.mayHost {
			t.Errorf("%s: MayHost = %v", tt.describe, got)
		}
	}
}

func TestQuestionMark(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to QuestionStatus
		want     error
	}{
		{QuestionOpen, QuestionAnswered, nil},
		{QuestionOpen, QuestionDeferred, nil},
		{QuestionDeferred, QuestionAnswered, nil},
		{QuestionAnswered, QuestionOpen, nil},
		{QuestionOpen, QuestionEscalated, nil},
		{QuestionAnswered, QuestionAnswered, ErrSameStatus},
		{QuestionEscalated, QuestionAnswered, ErrAlreadyEscalated},
		{QuestionOpen, "gone", ErrBadStatus},
	}
	for _, tt := range tests {
		q := &Question{Status: tt.from}
		if err := q.Mark(tt.to); !errors.Is(err, tt.want) {
			t.Errorf("%s → %s: %v, want %v", tt.from, tt.to, err, tt.want)
		}
	}
	for s, want := range map[QuestionStatus]bool{QuestionOpen: true, QuestionDeferred: true, QuestionAnswered: false, QuestionEscalated: false} {
		if s.CarriesOver() != want {
			t.Errorf("%s.CarriesOver() = %v", s, !want)
		}
	}
}
