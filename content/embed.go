// Package content holds huddlebot's bundled sample content: the lessons,
// tracks and bursts a fresh install and the sandbox start with. See
// README.md for the file format.
package content

import "embed"

// FS is the bundled content tree, ready for lessons.Load. Its root holds
// README.md, one directory per role, shared/, updates/, tracks/ and bursts/.
//
//go:embed README.md physician nurse ma front_desk billing shared updates tracks bursts
var FS embed.FS
