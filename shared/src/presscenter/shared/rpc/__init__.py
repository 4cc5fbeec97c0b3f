"""RPC payload contracts: request and response models of every service method."""
