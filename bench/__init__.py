"""Load tests for Roost: the workloads of WORKLOADS.md against a real server."""
