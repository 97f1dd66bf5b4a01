//go:build !unix

package bench

import "time"

// cpuTime is not measured on this platform.
func cpuTime() time.Duration { return 0 }

// maxRSS is not measured on this platform.
func maxRSS() int64 { return 0 }

// machineCPUTime is not measured on this platform.
func machineCPUTime() time.Duration { return 0 }
