"""factory_boy factories shared by every test module."""

from __future__ import annotations

import datetime as dt

import factory

from cities.enums import CityLevel, DesignationStatus, ProvinceKind, Role, Tier
from cities.models import City, Designation, Membership, Province, User

PASSWORD = "Test-ipcity-2026"


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"8{n:05d}")
    name = factory.Sequence(lambda n: f"测试省{n}")
    short_name = factory.LazyAttribute(lambda o: o.name[:-1])
    kind = ProvinceKind.PROVINCE


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("code",)

    province = factory.SubFactory(ProvinceFactory)
    code = factory.Sequence(lambda n: f"9{n:05d}")
    level = CityLevel.PREFECTURE
    name = factory.Sequence(lambda n: f"测试市{n}")
    full_name = factory.LazyAttribute(lambda o: o.name)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.NATIONAL_ADMIN


def user_with_role(role: str, *, username: str | None = None, province=None, city=None) -> User:
    """A saved user holding one membership."""
    kwargs = {"username": username} if username else {}
    user = UserFactory(**kwargs)
    if role == Role.CITY_OFFICER and city is not None and province is None:
        province = city.province
    MembershipFactory(user=user, role=role, province=province, city=city)
    user.forget_memberships()
    return user


class DesignationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Designation

    city = factory.SubFactory(CityFactory)
    tier = Tier.DEMONSTRATION
    term_start = dt.date(2016, 5, 1)
    term_end = dt.date(2019, 4, 30)
    status = DesignationStatus.ACTIVE
