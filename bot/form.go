package bot

import "context"

// ShowForm asks the person behind r to fill in f: in a modal when their
// platform opens them (a ModalOpener) and the click carried a trigger, with
// an empty reply; otherwise in the reply itself, after text.
func (b *Bot) ShowForm(ctx context.Context, r *Req, f *Form, text string) (Reply, error) {
	if f.Lang == "" {
		f.Lang = r.L().Lang()
	}
	if mo, ok := b.Adapter(r.Actor.Platform).(ModalOpener); ok && r.TriggerID != "" {
		if err := mo.OpenForm(ctx, r.Actor.Workspace, r.TriggerID, f); err != nil {
			return Reply{}, err
		}
		return Reply{}, nil
	}
	return Reply{Form: f, Text: text}, nil
}
