"""Capital Press Center monitoring service: media monitoring: stories, trends, misinformation alerts."""
