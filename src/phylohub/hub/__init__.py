"""The replica hub: a synthetic ecosystem (synth), its store, and an HTTP server (replica)."""
