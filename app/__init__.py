"""The desktop app's logic: API client, sync, discovery, provisioning; no widgets in here."""
