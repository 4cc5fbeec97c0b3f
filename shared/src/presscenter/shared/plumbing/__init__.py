"""nameko dependency providers and entrypoints shared by every backend service."""
