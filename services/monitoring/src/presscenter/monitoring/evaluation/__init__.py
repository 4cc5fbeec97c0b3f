"""Replaying a labelled stream directory through the analysis and scoring the predictions."""
