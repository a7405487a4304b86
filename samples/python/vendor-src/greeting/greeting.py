"""A local dependency (vendored as a wheel in vendor/: builds are offline)."""


def greet(name):
    return f"hello from {name}"
