"""Capital Press Center gateway: the HTTP API in front of the nameko services (FastAPI, asyncio)."""
