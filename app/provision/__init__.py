"""Installing the Roost server on a Raspberry Pi over SSH: checks, upload, install, setup code.

The UI uses ``Installer`` (installer.py) with its events (steps.py); every failure is an
``InstallProblem`` (problems.py); SSH host keys are pinned by ``KnownHosts`` (hostkeys.py).
"""
