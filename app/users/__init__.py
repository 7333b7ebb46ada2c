"""Managing the people on a server (for admins): invites now, the users table later."""
