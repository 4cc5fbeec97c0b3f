"""The releases domain: the aggregate, its workflow and its rules. No nameko, no HTTP, no Mongo."""
