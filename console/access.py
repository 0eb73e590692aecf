"""Who may do what in the console: staff look, operators (and superusers) change."""

from functools import wraps

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.views.decorators.http import require_GET, require_POST

from continuity.permissions import user_can_operate
from continuity.replica import replica_reads


def staff_page(view):
    """A read-only page: staff only; anyone else is sent to the admin login. Its reads may
    be served by the replica (continuity/replica.py)."""
    return staff_member_required(require_GET(replica_reads(view)))


def operator_action(view):
    """A POST that changes something: staff only, and 403 for staff outside the operators
    group (nothing is changed). CSRF is checked by the middleware before it runs."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not user_can_operate(request.user):
            raise PermissionDenied(
                "Read-only access: only operators and superusers may change things."
            )
        return view(request, *args, **kwargs)

    return staff_member_required(require_POST(guarded))
