"""What the views of every app share."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.cache import never_cache


def allowed_or_404(is_allowed: Callable[[object], bool]):
    """A view for signed-in people whom ``is_allowed(user)`` lets in (a function of the app's access module).
    Anyone else signed in is told the page does not exist, so it does not say that it does; someone not signed in
    is sent to sign in first. Never cached: these pages show what only the user may see."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not is_allowed(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return never_cache(wrapped)

    return decorator
