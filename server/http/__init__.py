"""Thin FastAPI routers over the services."""
