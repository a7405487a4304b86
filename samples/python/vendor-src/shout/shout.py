"""A second local dependency: the integration test adds it to requirements.txt to see a rebuild install it."""


def shout(text):
    return text.upper()
