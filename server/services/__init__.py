"""Domain logic: plain async Python over the storage layer, no HTTP in here."""
