from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cities.enums import CityLevel, ProvinceKind


class Province(models.Model):
    """A provincial-level unit whose IP bureau recommends cities (incl. 新疆生产建设兵团)."""

    code = models.CharField(_("administrative code"), max_length=6, unique=True,
                            error_messages={"unique": _("A province with this administrative code already exists.")})
    name = models.CharField(_("name"), max_length=40, unique=True,
                            error_messages={"unique": _("A province with this name already exists.")})
    short_name = models.CharField(_("short name"), max_length=20)
    kind = models.CharField(_("kind"), max_length=24, choices=ProvinceKind.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class City(models.Model):
    """A city, prefecture, district or county-level city that can hold a title."""

    code = models.CharField(_("administrative code"), max_length=6, unique=True,
                            error_messages={"unique": _("A place with this administrative code already exists.")})
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="cities", verbose_name=_("province"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent city"),
    )
    level = models.CharField(_("level"), max_length=24, choices=CityLevel.choices, db_index=True)
    name = models.CharField(_("current name"), max_length=40)
    full_name = models.CharField(
        _("full name"), max_length=80, help_text=_("Name with its parent, e.g. 天津市西青区."), db_index=True
    )
    name_as_designated = models.CharField(
        _("name as designated"),
        max_length=80,
        blank=True,
        help_text=_("The name used when the city was designated, if it has changed since (即墨市 → 青岛市即墨区)."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        indexes = [models.Index(fields=["province", "level"], name="city_province_level")]

    def __str__(self) -> str:
        return self.full_name
