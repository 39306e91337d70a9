from audit.context import _request_id, new_request_id


class RequestIdMiddleware:
    """Gives each request an id, returned as X-Request-ID and written on every audit row."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token_value = new_request_id()
        request.request_id = token_value
        try:
            response = self.get_response(request)
        finally:
            _request_id.set("")
        response["X-Request-ID"] = token_value
        return response
