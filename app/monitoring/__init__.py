"""The admin dashboard's logic: the server's health figures, their levels, alerts in words."""
