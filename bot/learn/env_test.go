package learn_test

import "time"

// A Tuesday, 10:00 UTC: inside default work hours, after the 08:30 delivery.
var tuesday10 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
