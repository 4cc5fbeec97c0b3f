"""Test helpers for the gateway: fresh RabbitMQ vhosts and a nameko-protocol responder (asyncio)."""
