"""Test support shared by every package: the embedded datastore and broker helpers."""
