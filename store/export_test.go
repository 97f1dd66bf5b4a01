package store

import "context"

// MigrateUpTo exposes migrateUpTo to the store's tests, which build a
// database as an older release left it and then migrate it.
func (s *DB) MigrateUpTo(ctx context.Context, last int) ([]string, error) {
	return s.migrateUpTo(ctx, last)
}

// Retryable exposes retryable to the store's tests.
var Retryable = retryable
