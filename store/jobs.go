package store

import "context"

// JobQueueDepth returns how many delivery jobs are ready to run or running
// (River's river_job table; snoozed and retrying jobs are not counted).
func (s *DB) JobQueueDepth(ctx context.Context) (int, error) {
	var n int
	err := s.GetContext(ctx, &n, `SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'running')`)
	return n, s.mapErr(err)
}

// JobCounts returns the number of River jobs per state.
func (s *DB) JobCounts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	if err := s.SelectContext(ctx, &rows, `SELECT state, COUNT(*) AS n FROM river_job GROUP BY state`); err != nil {
		return nil, s.mapErr(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}
