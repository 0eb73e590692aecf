"""The API's JSON renderer."""

from rest_framework import renderers


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer, which never fails on text it cannot encode as UTF-8.

    An error message may echo the input it refuses, and JSON input can carry a lone
    surrogate ("\\ud800"); such a body is written with ASCII escapes instead of a 500.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return _ASCIIJSONRenderer().render(data, accepted_media_type, renderer_context)


class _ASCIIJSONRenderer(renderers.JSONRenderer):
    ensure_ascii = True
