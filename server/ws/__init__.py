"""The real-time WebSocket: connection life cycle, auth phase and command handlers."""
