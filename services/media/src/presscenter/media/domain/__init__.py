"""Media domain: pure rules (no nameko, no Mongo, no storage); time comes in as `now`."""
