"""Capital Press Center media service: media assets: uploads, verification, renditions, access tiers."""
