"""Backups: the encrypted archive format, making a backup, checking and restoring one."""
