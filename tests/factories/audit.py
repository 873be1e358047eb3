import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from audit.roles import role_by_key

PASSWORD = "Lanben-desk-2026!"


class StaffFactory(factory.django.DjangoModelFactory):
    """A back-office user; ``role`` is a key of audit.roles (intake, reviewer, coordinator, manager,
    provider, catalogue_admin) and puts the user in that group."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@lanben.test")
    is_staff = True
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=role_by_key(extracted).name))


def api_key(user) -> str:
    """An API key for ``user`` (issued on first use, then kept on the instance: issuing again would
    revoke it)."""
    from audit.tokens import api_token_issue

    if getattr(user, "_api_key", None) is None:
        user._api_key = api_token_issue(user=user)
    return user._api_key
