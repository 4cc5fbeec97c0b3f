"""Cross-service tests: the suite's real processes on the real broker."""
