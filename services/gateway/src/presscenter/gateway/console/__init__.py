"""The web console's static files (static/), served by routes/console.py at /console/."""
