"""Talking to a Roost server: addresses, certificate pinning, the REST client and its errors."""
