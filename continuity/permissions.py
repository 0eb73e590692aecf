"""Scope checks: reads need `read`, changes need `write`; a view may ask for another scope."""

from rest_framework import permissions

from continuity.models import Scope

OPERATORS_GROUP = "operators"


def user_can_operate(user) -> bool:
    """Staff may look; only superusers and the operators group may change things."""
    if not (user and user.is_authenticated and user.is_staff):
        return False
    return user.is_superuser or user.groups.filter(name=OPERATORS_GROUP).exists()


class HasScope(permissions.BasePermission):
    message = "This API key lacks the scope this request needs."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        needed = self.scope_needed(request, view)
        key = request.auth if hasattr(request.auth, "scopes") else None
        if key is not None:
            return needed in key.scopes
        if not request.user.is_staff:
            return False
        return needed == Scope.READ or user_can_operate(request.user)

    @staticmethod
    def scope_needed(request, view) -> str:
        per_action = getattr(view, "action_scopes", {})
        action = getattr(view, "action", None)
        if action in per_action:
            return per_action[action]
        if request.method in permissions.SAFE_METHODS:
            return Scope.READ
        return getattr(view, "write_scope", Scope.WRITE)


class StaffOnly(permissions.BasePermission):
    """Staff keys and staff console users only."""

    message = "Only staff may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
