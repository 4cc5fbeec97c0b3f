"""The feedback domain: working-time calendar, SLA policy, routing, permissions and the question workflow (pure)."""
