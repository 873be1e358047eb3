from axes.backends import AxesStandaloneBackend


class ThrottledLoginBackend(AxesStandaloneBackend):
    """django-axes' lockout check for logins that come with an HTTP request (admin, API).

    Authentication without a request — the shell, management commands, the test client's
    ``login()`` — has no remote party to throttle, so it passes through to the next backend
    instead of failing as the stock backend does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
