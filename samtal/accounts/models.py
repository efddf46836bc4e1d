from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    SWEDISH = "sv", _("Swedish")
    ENGLISH = "en", _("English")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_superuser"] = True
        extra["is_staff"] = True
        user = self._create(email, password, **extra)
        RoleAssignment.objects.get_or_create(user=user, role=Role.ADMIN, unit=None)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Employees get one per person; system admins may have one without a person."""

    email = models.EmailField(_("email address"), unique=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.SWEDISH
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("created"), auto_now_add=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        person = getattr(self, "person", None)
        return person.full_name if person is not None else self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class Role(models.TextChoices):
    HR = "hr", _("HR")
    SAFETY_REP = "safety_rep", _("Safety representative")
    ADMIN = "admin", _("Administrator")


class RoleAssignment(models.Model):
    """A role beyond employee and manager. A unit limits the role to that unit and its sub-units;
    no unit means the whole organisation."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="unique_role_per_unit"),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(unit__isnull=True),
                name="unique_org_wide_role",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="safety_rep") | models.Q(unit__isnull=False),
                name="safety_rep_has_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"


class LoginThrottle(models.Model):
    """Failed logins counted for one email address from one client address, and for one client
    address whatever the email. Kept in the database so that every app instance behind the load
    balancer sees the same counts. Written only by accounts.services."""

    class Scope(models.TextChoices):
        ACCOUNT = "account", _("email address from one client address")
        ADDRESS = "address", _("client address")

    scope = models.CharField(_("counted for"), max_length=10, choices=Scope.choices)
    # An IPv4 address, or the /64 network of an IPv6 address (one subscriber's whole range).
    address = models.CharField(_("client address"), max_length=64)
    # What was typed as the email address, normalised; empty for the address scope.
    username = models.CharField(_("email address"), max_length=254, blank=True)
    failures = models.PositiveIntegerField(_("failed logins"), default=0)
    window_start = models.DateTimeField(_("first failure"))
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    # When the row no longer matters (window over, lock over); expired rows are deleted.
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("login throttle")
        verbose_name_plural = _("login throttles")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "address", "username"], name="unique_login_throttle"
            ),
        ]

    def __str__(self) -> str:
        who = f"{self.username} from {self.address}" if self.username else self.address
        return f"{who}: {self.failures} failures"
