"""Accounts on Roost servers: invites, remembered sign-ins and the sign-in flows."""
