package store

import (
	"sync"
	"time"
)

type locationCache struct{ m sync.Map }

func newLocationCache() *locationCache { return &locationCache{} }

// get returns the location for an IANA name, falling back to UTC for a name
// that no longer loads (validated names are stored, so this is defensive).
func (c *locationCache) get(name string) *time.Location {
	if name == "" || name == "UTC" {
		return time.UTC
	}
	if l, ok := c.m.Load(name); ok {
		return l.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.UTC
	}
	c.m.Store(name, loc)
	return loc
}
