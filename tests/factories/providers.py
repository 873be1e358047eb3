import factory
from django.contrib.auth import get_user_model

from providers.models import Provider, ProviderContact, ProviderCoverage, ProviderMember, RoutingRule


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    code = factory.Sequence(lambda n: f"provider-{n}")
    name = factory.Sequence(lambda n: f"测试服务商{n}")
    contact_email = factory.Sequence(lambda n: f"dispatch{n}@provider.example")


class ProviderContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderContact

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"对接人{n}")
    email = factory.Sequence(lambda n: f"contact{n}@provider.example")


class ProviderCoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderCoverage
        skip_postgeneration_save = True

    provider = factory.SubFactory(ProviderFactory)
    all_services = True
    province = ""
    city = ""

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.all_services = False
            self.save(update_fields=["all_services"])
            self.services.set(extracted)


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    provider = factory.SubFactory(ProviderFactory)
    priority = 10


class ProviderUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"provider-api-{n}")


class ProviderMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderMember
        skip_postgeneration_save = True

    user = factory.SubFactory(ProviderUserFactory)
    provider = factory.SubFactory(ProviderFactory)

    @factory.post_generation
    def token(self, create, extracted, **kwargs):
        if create:
            from tests.factories.audit import api_key

            api_key(self.user)
