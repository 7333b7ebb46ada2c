"""The admin Server page's logic: settings, backups, logs and the audit log."""
