"""Questions a lower layer asks and a higher layer answers.

Apps import only the layers below them (core < media < vehicles < articles < syndication <
demo). When a lower layer needs an answer only a higher one has (the live articles leading with
an image, the articles about a vehicle, the next go-live minute), the lower layer makes a
``Hook`` and the higher layer registers the answer when it starts (its ``AppConfig.ready``).
"""


class Hook:
    """One answer, registered by a higher layer; ``default`` until then (that app not installed)."""

    def __init__(self, name, default=None):
        self.name = name
        self.default = default
        self._answer = None

    def register(self, answer):
        self._answer = answer

    def __call__(self, *args, **kwargs):
        if self._answer is None:
            return self.default
        return self._answer(*args, **kwargs)

    def __repr__(self):
        return f"<Hook {self.name}>"
