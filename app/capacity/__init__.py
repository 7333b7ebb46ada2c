"""The owner's capacity check: a short W-chat run against their own server, in plain words."""
