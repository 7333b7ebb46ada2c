"""The owner's first-run flows (claiming a server, creating an account) as testable logic."""
