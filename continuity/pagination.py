from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request) -> int:
        """A malformed `page_size` is a 400 (DRF would quietly use the default)."""
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        if len(raw) > 1 or not (raw[0].isascii() and raw[0].isdigit()) or int(raw[0]) < 1:
            raise ValidationError(
                {self.page_size_query_param: ["Give one whole number of at least 1."]}
            )
        return min(int(raw[0]), self.max_page_size)
