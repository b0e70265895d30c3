"""The one error type for what a user can get wrong; the CLI prints it as one line."""


class PhylohubError(Exception):
    """A problem the user can fix (bad config, missing file, unreachable endpoint).

    The command line prints ``phylohub: error: <message>`` and exits with status 2,
    never a traceback.
    """
