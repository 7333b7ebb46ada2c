"""The chat client's core without widgets: connection, local cache, outbox, search."""
