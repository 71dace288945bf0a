"""What the demo history charts for each condition: who treats it and how, the sites needled
(muscle, side, trigger point, needle, depth range), the note's words, and the adverse events of
Brady et al. 2014 (clinical reference §2) with what was done about them."""

from __future__ import annotations

from dataclasses import dataclass

from filiform.charting.codes import AdverseEventType, Position, SessionMode, Timing

# Brady et al. 2014, mild events per 100 treatments (clinical reference §2).
BRADY_RATE = 0.1918
BRADY_KINDS = (
    (AdverseEventType.BRUISING, 7.55),
    (AdverseEventType.BLEEDING, 4.65),
    (AdverseEventType.PAIN_DURING, 3.01),
    (AdverseEventType.PAIN_AFTER, 2.19),
    (AdverseEventType.WORSE_SYMPTOMS, 0.88),
    (AdverseEventType.DROWSINESS, 0.26),
    (AdverseEventType.HEADACHE, 0.14),
    (AdverseEventType.NAUSEA, 0.13),
)
MILD_TEXT: dict[str, tuple[str, str, str]] = {  # timing, what happened, action taken
    AdverseEventType.BRUISING: (
        Timing.AFTER,
        "Small bruise (about 2 cm) at the needle site the next day",
        "Pressure at removal; ice and reassurance advised",
    ),
    AdverseEventType.BLEEDING: (
        Timing.DURING,
        "A drop of blood at needle removal",
        "Pressure with gauze until it stopped (under a minute)",
    ),
    AdverseEventType.PAIN_DURING: (
        Timing.DURING,
        "Sharp pain with a strong twitch, settled within seconds",
        "Needle withdrawn to the subcutaneous layer; patient comfortable to continue",
    ),
    AdverseEventType.PAIN_AFTER: (
        Timing.AFTER,
        "Post-needling soreness for about 24 hours",
        "Heat and gentle movement advised",
    ),
    AdverseEventType.WORSE_SYMPTOMS: (
        Timing.AFTER,
        "Usual pain worse that evening, back to baseline the next day",
        "Reassured by phone; lighter dose planned next session",
    ),
    AdverseEventType.DROWSINESS: (
        Timing.AFTER,
        "Felt drowsy after the session",
        "Rested 10 minutes in the clinic before leaving; did not drive",
    ),
    AdverseEventType.HEADACHE: (
        Timing.AFTER,
        "Mild headache that afternoon",
        "Fluids and rest advised; settled by the evening",
    ),
    AdverseEventType.NAUSEA: (
        Timing.DURING,
        "Brief nausea at the end of the session",
        "Lay supine with water for 5 minutes; settled",
    ),
}


@dataclass(frozen=True)
class Site:
    """A place this condition is needled: muscle, side, trigger point, needle and depth range."""

    key: str  # slug:side
    point: str
    diameter: str
    length: int
    depth: tuple[float, float]
    approach: str = ""  # anatomy/depth_limits.py: how the needle is aimed
    why: str = ""  # the justification a depth warning at this site asks for

    @property
    def slug(self) -> str:
        return self.key.partition(":")[0]

    @property
    def side(self) -> str:
        return self.key.partition(":")[2]


@dataclass(frozen=True)
class Course:
    """How one condition is charted: who treats it, how, where, and the note's words."""

    practitioner: str  # demo staff key
    mode: SessionMode
    position: Position
    sites: tuple[Site, ...]
    per_session: tuple[int, int]
    justification: str
    pain: str
    objective: str
    assessment: str
    plan: str
    goals: str
    weeks: int
    referral: str  # where reproduced pain is felt


PIRIFORMIS_AIM = (
    "Aimed at the lateral third of piriformis toward the greater trochanter, away from the "
    "sciatic nerve."
)
NECK = (
    Site("upper_trapezius:right", "tp1", "0.25", 30, (8, 14), "pincer"),
    Site("upper_trapezius:right", "tp2", "0.25", 30, (8, 14), "pincer"),
    Site("levator_scapulae:right", "tp1", "0.25", 40, (15, 25), "pincer"),
    Site("splenius_capitis:right", "tp1", "0.25", 30, (10, 18)),
    Site("cervical_multifidus:right", "tp1", "0.25", 40, (18, 28)),
    Site("upper_trapezius:left", "tp1", "0.25", 30, (8, 14), "pincer"),
)
SHOULDER = (
    Site("infraspinatus:right", "tp1", "0.30", 40, (18, 30)),
    Site("infraspinatus:right", "tp2", "0.30", 40, (18, 30)),
    Site("infraspinatus:right", "tp3", "0.30", 40, (18, 30)),
    Site("teres_minor:right", "tp1", "0.25", 40, (15, 25)),
    Site("deltoid:right", "tp1", "0.25", 40, (15, 25)),
    Site("deltoid:right", "tp2", "0.25", 40, (15, 25)),
)
LOW_BACK_IMS = (
    Site("lumbar_multifidus:right", "tp1", "0.30", 50, (30, 45)),
    Site("lumbar_multifidus:left", "tp1", "0.30", 50, (30, 45)),
    Site("lumbar_multifidus:right", "tp2", "0.30", 50, (30, 45)),
    Site("lumbar_multifidus:left", "tp2", "0.30", 50, (30, 45)),
    Site("iliocostalis_lumborum:right", "tp2", "0.30", 50, (25, 38)),
    Site("gluteus_medius:right", "tp1", "0.30", 50, (30, 45)),
    Site("gluteus_maximus:right", "tp2", "0.30", 60, (35, 50)),
    Site("piriformis:right", "tp1", "0.30", 75, (50, 65), why=PIRIFORMIS_AIM),
    Site("biceps_femoris:right", "tp1", "0.30", 50, (25, 40)),
    Site("gastrocnemius:right", "tp1", "0.30", 40, (15, 25)),
)
HIP_IMS = (
    Site("lumbar_multifidus:right", "tp2", "0.30", 50, (30, 45)),
    Site("gluteus_medius:right", "tp1", "0.30", 50, (30, 45)),
    Site("gluteus_medius:right", "tp2", "0.30", 50, (30, 45)),
    Site("gluteus_minimus:right", "tp1", "0.30", 60, (40, 55)),
    Site("piriformis:right", "tp1", "0.30", 75, (50, 65), why=PIRIFORMIS_AIM),
    Site("tensor_fasciae_latae:right", "tp1", "0.25", 40, (15, 28)),
    Site("vastus_lateralis:right", "tp1", "0.30", 50, (25, 40)),
)

COURSES: dict[str, Course] = {
    "Right-sided neck pain": Course(
        "physio",
        SessionMode.DRY_NEEDLING,
        Position.PRONE,
        NECK,
        (2, 5),
        "",
        "Right neck pain {n}/10, temporal headaches {h} times a week",
        "Cervical rotation right {r}°; taut band in the right upper trapezius reproduces the "
        "temporal headache",
        "Myofascial neck pain with referred headache: {trend}",
        "Dry needling as charted; chin tucks and upper trapezius stretch three times a day; "
        "desk set-up reviewed. Next visit in {w} week(s).",
        "Headaches under one a week; full day at the desk without neck pain above 2/10",
        10,
        "right temple",
    ),
    "Shoulder impingement": Course(
        "physio",
        SessionMode.DRY_NEEDLING,
        Position.SIDE_LYING_LEFT,
        SHOULDER,
        (3, 5),
        "",
        "Right shoulder pain {n}/10 reaching overhead; wakes {h} times a night",
        "Painful arc 70–{r}°; infraspinatus trigger points reproduce the anterior shoulder pain",
        "Subacromial pain with rotator cuff trigger points: {trend}",
        "Dry needling as charted; rotator cuff strengthening (side-lying external rotation, "
        "3 × 12); scapular setting. Next visit in {w} week(s).",
        "Overhead reach pain-free; sleeping through the night",
        8,
        "front of the shoulder",
    ),
    "Low back pain": Course(
        "ims",
        SessionMode.GUNN_IMS,
        Position.PRONE,
        LOW_BACK_IMS,
        (6, 9),
        "Epilepsy controlled (no seizure in two years) and diabetes well controlled with intact "
        "skin: treated lying down, monitored throughout",
        "Low back pain {n}/10, worse after sitting; stiffness on waking {h} hours",
        "Lumbar flexion fingertips to mid-shin; L4–S1 paraspinals tender and ropy; straight "
        "leg raise {r}°",
        "Radiculopathic (segmental) low back pain, L4–S1: {trend}",
        "Gunn IMS at the L4–S1 segment and its muscles as charted; walking 30 minutes a day; "
        "hip hinge practice. Next visit in {w} week(s).",
        "Sit through a work day; back to golf",
        12,
        "buttock and back of the thigh",
    ),
    "Lateral hip pain": Course(
        "ims",
        SessionMode.GUNN_IMS,
        Position.SIDE_LYING_LEFT,
        HIP_IMS,
        (5, 7),
        "",
        "Right lateral hip pain {n}/10 climbing stairs; lying on the right side {h} hours",
        "Single-leg stance 10 s with Trendelenburg; gluteus medius trigger points tender; hip "
        "abduction strength {r}% of the left",
        "Gluteal tendinopathy with segmental (L4–S1) muscle shortening: {trend}",
        "Gunn IMS as charted; isometric hip abduction, then side-lying abduction; avoid crossing "
        "the legs. Next visit in {w} week(s).",
        "Stairs without pain; sleep on either side",
        10,
        "lateral thigh",
    ),
}
ANTICOAGULANT_SITES = tuple(s for s in NECK if s.slug in ("upper_trapezius", "levator_scapulae"))
ANTICOAGULANT_JUSTIFICATION = (
    "On apixaban: fine 0.16 mm needle, superficial and compressible site only, firm pressure for "
    "a minute after removal"
)


BILATERAL_CHEST = (
    "Both sides on purpose: needle angled onto bone or the muscle held in a pincer grip, depth "
    "kept within the muscle on each side"
)
