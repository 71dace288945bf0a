"""Body regions and limbs: the coarse map that screening rules, practitioner training and the
body chart share. One list, here."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    HEAD_NECK = "head_neck", _("Head and neck")
    SHOULDER_ARM = "shoulder_arm", _("Shoulder and upper arm")
    FOREARM_HAND = "forearm_hand", _("Forearm and hand")
    THORAX = "thorax", _("Thorax and upper back")
    LUMBAR = "lumbar", _("Lower back")
    ABDOMEN = "abdomen", _("Abdomen")
    PELVIS_HIP = "pelvis_hip", _("Pelvis and hip")
    THIGH_KNEE = "thigh_knee", _("Thigh and knee")
    LEG_FOOT = "leg_foot", _("Leg and foot")


class Limb(models.TextChoices):
    """The limb a muscle belongs to, for limb-wide rules such as lymphoedema."""

    UPPER = "upper", _("Arm (upper limb)")
    LOWER = "lower", _("Leg (lower limb)")


class Side(models.TextChoices):
    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")


class Caution(models.TextChoices):
    """What lies under the muscle: the key of the clinical muscle list (none, NV, high NV, L,
    high L, O). High neurovascular is for muscles where a major nerve or vessel or the spinal
    cord lies close and only advanced technique is safe (suboccipitals: cadaver needles struck
    the spinal cord at every level of experience, Kearns et al. 2022)."""

    NONE = "none", _("No special structure")
    NEUROVASCULAR = "neurovascular", _("Nerves or vessels nearby")
    HIGH_NEUROVASCULAR = (
        "high_neurovascular",
        _("Major nerves, vessels or the spinal cord close: advanced technique"),
    )
    LUNG = "lung", _("Lung or pleura nearby")
    HIGH_LUNG = "high_lung", _("Lung or pleura close under the muscle")
    ORGAN = "organ", _("Organ nearby")


THORAX_CAUTIONS = frozenset({Caution.LUNG, Caution.HIGH_LUNG})
