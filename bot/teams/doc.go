// Package teams is huddlebot's Microsoft Teams adapter, on the Bot
// Framework REST protocol implemented directly (no Go SDK for it is
// maintained). It is built in slices; see docs/teams.md for what is done.
//
// Inbound, every request to the messaging endpoint carries a Bot Framework
// bearer token; Verifier checks it (RS256 by a key from Bot Framework's
// OpenID metadata, issuer, audience, lifetime, serviceUrl, the key's
// channel endorsements) and Gate lets only verified activities through.
package teams
