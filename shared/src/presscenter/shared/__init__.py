"""Capital Press Center shared package: contracts and plumbing, no business logic."""
