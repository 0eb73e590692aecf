"""JSON request parsers: too deep is a 400, too large a 413, both as the API's JSON errors."""

import io

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"

    def __init__(self, limit: int):
        super().__init__(f"The request body is larger than this endpoint's {limit:,} bytes.")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; JSON nested deeper than Python's decoder goes is a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None


class LargeJSONParser(parsers.BaseParser):
    """JSON bodies up to `settings.<max_body_setting>` bytes, for an endpoint whose
    contract allows more than DATA_UPLOAD_MAX_MEMORY_SIZE.

    Deliberately not a JSONParser subclass: DRF reads `request.body` (capped by that
    global limit) for those, and hands any other parser the unread stream.
    """

    media_type = "application/json"
    max_body_setting = "PROBE_RESULT_MAX_BODY_BYTES"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = getattr(settings, self.max_body_setting)
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge(limit)
        return JSONParser().parse(io.BytesIO(body), media_type, parser_context)
