"""The sample's own package. Python writes banner/__pycache__/ into the app dir when the app imports it, as it
does for any app with packages: a live update must neither delete that nor count it as a source change."""


def startup_line(greeting, port, message):
    return f"{greeting}: listening on :{port}, message {message!r}"
