// Package fleet joins a gateway to a fleet over an MQTT broker and drives
// the fleet from the command line: ed25519 deploy keys, the signed deploy
// envelope, the gateway's Agent (retained state with a will, deploys on
// its own and its group's topic, replay refusal, rollback) and the Admin
// side of `flowgate fleet list|deploy|rollback`.
//
// Topics, under flowgate/fleet/:
//
//	<id>/state               retained State; the will marks it offline
//	<id>/deploy              retained signed Envelope for the gateway id
//	group/<group>/deploy     retained signed Envelope for a group
//	<id>/result              Result of each deploy the gateway received
//
// Import rules: flows, nodes (its MQTT client), mochi's packets, the
// standard library. The runtime reaches the agent through Runtime.
package fleet
