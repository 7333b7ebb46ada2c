"""The desktop app's widgets: thin views bound to the state objects in ``app``."""
