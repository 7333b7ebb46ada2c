"""The chat client: conversations, messages, composer, media, search and notifications."""
