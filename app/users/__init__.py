"""Managing the people on a server (for admins): the users table, its actions, invites."""
