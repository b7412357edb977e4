"""Authentication backends, guards, tokens and revocation stores (django-bolt's names)."""

from .backends import APIKeyAuthentication, BaseAuthentication, JWTAuthentication, SessionAuthentication
from .guards import (
    AllowAny,
    BasePermission,
    HasAllPermissions,
    HasAnyPermission,
    HasPermission,
    IsAdminUser,
    IsAuthenticated,
    IsStaff,
    Requires,
)
from .jwt_utils import (
    create_jwt_for_user,
    extract_user_id_from_context,
    get_auth_context,
    get_current_user,
    load_user,
    register_auth_backend,
)
from .revocation import (
    DjangoCacheRevocation,
    DjangoORMRevocation,
    InMemoryRevocation,
    RedisRevocation,
    RevocationStore,
)
from .session import SessionGuard
from .token import Token

__all__ = [
    "BaseAuthentication", "JWTAuthentication", "APIKeyAuthentication", "SessionAuthentication",
    "BasePermission", "AllowAny", "IsAuthenticated", "IsAdminUser", "IsStaff", "HasPermission",
    "HasAnyPermission", "HasAllPermissions", "Requires", "Token", "create_jwt_for_user", "get_current_user",
    "get_auth_context", "extract_user_id_from_context", "register_auth_backend", "load_user",
    "SessionGuard", "RevocationStore", "InMemoryRevocation", "DjangoCacheRevocation", "DjangoORMRevocation",
    "RedisRevocation",
]
