"""Wire protocol: request and response models shared by the server and the desktop app."""

PROTOCOL_VERSION = 1
