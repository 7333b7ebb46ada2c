"""Reference servers: the least a server must do for W-chat, to measure Roost against."""
