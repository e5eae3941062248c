"""The embedded emulator: moto in server mode plus labkit's extensions.

``app`` builds the WSGI application, ``health`` answers LocalStack's health endpoint,
``process`` starts, finds and stops background emulators, ``client`` talks to a running one.
"""
