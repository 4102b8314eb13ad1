"""A clock that tests move by hand, for callbacks that take ``clock=``."""


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now
