"""The one error of the compiler: a pipeline it cannot reproduce, or did not reproduce."""


class Unsupported(Exception):
    """A model or step this package cannot replay exactly; the caller keeps pipeline.predict."""
