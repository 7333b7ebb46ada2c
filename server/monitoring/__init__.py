"""Watching over the server: health samples, their history, alerts, Prometheus and recent logs."""
