package teams

import "time"

// OpenHook opens a reply hook as an invoke on activityID in conv does
// while it is being answered, and returns it as bot.Click.ResponseURL
// carries it; expired gives one that is past its life.
func (a *Adapter) OpenHook(serviceURL, conv, activityID string, expired bool) string {
	h, _ := a.newHook(serviceURL, conv, activityID)
	if expired {
		a.closeHook(h)
		h.Expires = a.opts.Now().Add(-time.Minute).Unix()
	}
	return h.String()
}
