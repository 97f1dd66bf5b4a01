package slack

// WaitBackground waits for the background work already started (response_url
// replies, home publishes) to finish, so that a test knows nothing more will
// come of the requests it has sent. Unlike Close it lets more work start
// afterwards; a test calls it only while it sends nothing else.
func (a *Adapter) WaitBackground() { a.wg.Wait() }
