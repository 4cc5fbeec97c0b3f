"""Capital Press Center releases service: press releases: drafting, approval, embargo, publishing, corrections."""
