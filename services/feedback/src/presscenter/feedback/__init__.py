"""Capital Press Center feedback service: journalists' questions: routing to units, SLA clocks, escalation, answers."""
