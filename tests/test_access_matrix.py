"""Every URL of the project, for every role and object owner: the status each one gets.

A URL without an entry in MATRIX fails `test_every_url_is_in_the_matrix`, so nobody can add a page
without deciding who may reach it. Objects belonging to the other municipality, provider or unit
must answer 404 (never 403), so their existence is not revealed.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, hash_token
from enrolment import links
from enrolment.models import Enrolment, Interest, SeatHold
from referrals import services as referral_services
from tests.people import build_world

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "citizen",
    "other_citizen",
    "health_worker",
    "health_worker_other_unit",
    "coordinator",
    "coordinator_other_provider",
    "facilitator",
    "municipality_admin",
    "superuser",
]
STAFF = [
    "health_worker",
    "health_worker_other_unit",
    "coordinator",
    "coordinator_other_provider",
    "facilitator",
    "municipality_admin",
    "superuser",
]
SIGNED_IN = [role for role in ROLES if role != "anonymous"]


def every(status, **overrides):
    return {role: overrides.get(role, status) for role in ROLES}


def signed_in(status, *, anonymous=302, **overrides):
    return every(status, anonymous=anonymous, **overrides)


def admins_only(status, *, others=404, anonymous=302):
    return every(others, anonymous=anonymous, municipality_admin=status, superuser=status)


@dataclass
class Case:
    url: object  # str, or a function of the World returning a str
    expected: dict
    method: str = "get"
    data: dict = field(default_factory=dict)


def token_for(world):
    invitation = Invitation.objects.get(email="invited@example.org")
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_token("matrix-token"))
    return reverse("accounts:invitation", kwargs={"token": "matrix-token"})


def membership_of(role_name):
    return lambda world: reverse(
        "administration:end_membership", kwargs={"pk": Membership.objects.get(user=world.people[role_name]).pk}
    )


def user_url(name, role_name):
    return lambda world: reverse(name, kwargs={"pk": world.people[role_name].pk})


def invitation_url(email):
    return lambda world: reverse(
        "administration:revoke_invitation", kwargs={"pk": Invitation.objects.get(email=email).pk}
    )


PUBLIC = every(200)

MATRIX: dict[str, list[Case]] = {
    "healthz": [Case("/healthz", PUBLIC)],
    "home": [Case(lambda w: reverse("home"), PUBLIC)],
    "privacy": [Case(lambda w: reverse("privacy"), PUBLIC)],
    "accessibility": [Case(lambda w: reverse("accessibility"), PUBLIC)],
    "catalogue:list": [Case(lambda w: reverse("catalogue:list"), PUBLIC)],
    "catalogue:detail": [Case(lambda w: w.offer.get_absolute_url(), PUBLIC)],
    "catalogue:run_calendar": [
        Case(lambda w: reverse("catalogue:run_calendar", kwargs={"slug": w.offer.slug, "run_id": w.run.pk}), PUBLIC)
    ],
    "catalogue:provider": [Case(lambda w: w.provider.get_absolute_url(), PUBLIC)],
    # The person's own pages: each signed-in person sees only their own data (there is no id in the URL).
    "mypage:my_page": [Case(lambda w: reverse("mypage:my_page"), signed_in(200))],
    "accounts:profile": [Case(lambda w: reverse("accounts:profile"), signed_in(200))],
    "mypage:my_data": [Case(lambda w: reverse("mypage:my_data"), signed_in(302))],  # re-authenticate first
    "mypage:my_data_json": [Case(lambda w: reverse("mypage:my_data_json"), signed_in(302))],
    "mypage:delete_account": [Case(lambda w: reverse("mypage:delete_account"), signed_in(302))],
    "accounts:invitation": [Case(token_for, every(200))],
    # The municipality admin's pages: Oslo's admin manages Oslo's staff; everything else is "not found".
    "administration:staff_list": [Case(lambda w: reverse("administration:staff_list"), admins_only(200))],
    "administration:audit_log": [Case(lambda w: reverse("administration:audit_log"), admins_only(200))],
    "administration:end_membership": [
        Case(membership_of("facilitator"), admins_only(302), method="post"),
        Case(
            membership_of("health_worker_other_unit"), admins_only(404, others=404) | {"superuser": 302}, method="post"
        ),
    ],
    "administration:suspend_user": [
        Case(user_url("administration:suspend_user", "health_worker"), admins_only(302), method="post"),
        Case(
            user_url("administration:suspend_user", "health_worker_other_unit"),
            admins_only(404) | {"superuser": 302},
            method="post",
        ),
        Case(user_url("administration:suspend_user", "citizen"), admins_only(404), method="post"),
    ],
    "administration:reactivate_user": [
        Case(user_url("administration:reactivate_user", "health_worker"), admins_only(302), method="post"),
        Case(
            user_url("administration:reactivate_user", "health_worker_other_unit"),
            admins_only(404) | {"superuser": 302},
            method="post",
        ),
    ],
    "administration:revoke_invitation": [
        Case(invitation_url("invited@example.org"), admins_only(302), method="post"),
        Case(invitation_url("invited.baerum@example.org"), admins_only(404) | {"superuser": 302}, method="post"),
    ],
}


def coordinators(status, *, others=404, anonymous=302, facilitator=None, other_provider=None):
    """The run's own coordinator (and superusers); optionally its facilitator and the other provider's."""
    return every(
        others,
        anonymous=anonymous,
        coordinator=status,
        superuser=status,
        facilitator=facilitator if facilitator is not None else others,
        coordinator_other_provider=other_provider if other_provider is not None else others,
    )


def owner_only(status, *, anonymous=404):
    return every(404, anonymous=anonymous, citizen=status)


def citizens_enrolment(name):
    return lambda world: reverse(name, kwargs={"public_id": world.enrolment.public_id})


def hold_url(name, action):
    def url(world):
        hold = SeatHold.objects.get_or_create(
            run=world.run,
            email="holdt@example.org",
            defaults={"channel": SeatHold.Channel.EMAIL, "expires_at": timezone.now() + dt.timedelta(minutes=30)},
        )[0]
        return f"{reverse(name, kwargs={'public_id': hold.public_id})}?t={links.hold_token_for(hold, action)}"

    return url


def enrolment_url(name):
    return lambda world: reverse(name, kwargs={"enrolment_id": world.enrolment.pk})


def run_url(name, *, other=False, **extra):
    return lambda world: reverse(name, kwargs={"run_id": (world.other_run if other else world.run).pk, **extra})


COURSE_STAFF = every(
    404, anonymous=302, coordinator=200, coordinator_other_provider=200, facilitator=200, superuser=200
)
COORDINATORS_ANYWHERE = every(404, anonymous=302, coordinator=200, coordinator_other_provider=200, superuser=200)

MATRIX.update(
    {
        # A citizen's own enrolment: only they see it (the e-mail links carry a signed token, tested elsewhere).
        "enrolment:sign_up": [Case(run_url("enrolment:sign_up"), PUBLIC)],
        # A seat held for a sign-up without an account: the signed link is the key, whoever holds it.
        "enrolment:held": [
            Case(hold_url("enrolment:held", "view"), PUBLIC),
            Case(hold_url("enrolment:held", "confirm"), every(404)),
        ],
        "enrolment:hold_confirm": [
            Case(hold_url("enrolment:hold_confirm", "confirm"), PUBLIC),
            Case(hold_url("enrolment:hold_confirm", "view"), every(404)),
        ],
        "enrolment:confirmation": [Case(citizens_enrolment("enrolment:confirmation"), owner_only(200))],
        "enrolment:cancel": [Case(citizens_enrolment("enrolment:cancel"), owner_only(200))],
        "enrolment:accept": [Case(citizens_enrolment("enrolment:accept"), owner_only(200))],
        "enrolment:decline": [Case(citizens_enrolment("enrolment:decline"), owner_only(200))],
        "enrolment:reminders": [
            Case(citizens_enrolment("enrolment:reminders"), owner_only(302), method="post", data={"wants": "on"})
        ],
        "enrolment:interest": [
            Case(lambda w: reverse("enrolment:interest", kwargs={"slug": w.offer.slug}), signed_in(302), method="post")
        ],
        "enrolment:interest_withdraw": [
            Case(
                lambda w: reverse("enrolment:interest_withdraw", kwargs={"pk": w.interest.pk}),
                owner_only(302, anonymous=302),
                method="post",
            )
        ],
        # Coordinators run their own provider's runs; facilitators see only their runs' lists and attendance.
        "enrolment:dashboard": [Case(lambda w: reverse("enrolment:dashboard"), COURSE_STAFF)],
        "enrolment:semester_new": [Case(lambda w: reverse("enrolment:semester_new"), COORDINATORS_ANYWHERE)],
        "enrolment:semester_copy": [Case(lambda w: reverse("enrolment:semester_copy"), COORDINATORS_ANYWHERE)],
        "enrolment:semester_registration": [
            Case(
                lambda w: reverse("enrolment:semester_registration", kwargs={"slug": w.run.semester.slug}),
                COORDINATORS_ANYWHERE,
            )
        ],
        "enrolment:semester_close": [
            Case(
                lambda w: reverse("enrolment:semester_close", kwargs={"slug": w.run.semester.slug}),
                every(404, anonymous=302, coordinator=302, coordinator_other_provider=302, superuser=302),
                method="post",
            )
        ],
        "enrolment:run_edit": [
            Case(run_url("enrolment:run_edit"), coordinators(200)),
            Case(run_url("enrolment:run_edit", other=True), coordinators(404, other_provider=200) | {"superuser": 200}),
        ],
        "enrolment:run_publish": [Case(run_url("enrolment:run_publish"), coordinators(302), method="post")],
        "enrolment:run_cancel": [Case(run_url("enrolment:run_cancel"), coordinators(302), method="post")],
        "enrolment:participants": [
            Case(run_url("enrolment:participants"), coordinators(200, facilitator=200)),
            Case(
                run_url("enrolment:participants", other=True),
                coordinators(404, other_provider=200) | {"superuser": 200},
            ),
        ],
        "enrolment:participant_add": [
            Case(
                run_url("enrolment:participant_add"),
                coordinators(302),
                method="post",
                data={"add-name": "Kari", "add-email": "kari@example.org"},
            ),
        ],
        "enrolment:export": [
            Case(run_url("enrolment:export", fmt="csv"), coordinators(200, facilitator=200)),
            Case(
                run_url("enrolment:export", other=True, fmt="xlsx"),
                coordinators(404, other_provider=200) | {"superuser": 200},
            ),
        ],
        "enrolment:participant_move": [
            Case(enrolment_url("enrolment:participant_move"), coordinators(302), method="post")
        ],
        "enrolment:participant_priority": [
            Case(enrolment_url("enrolment:participant_priority"), coordinators(302), method="post")
        ],
        "enrolment:participant_cancel": [
            Case(enrolment_url("enrolment:participant_cancel"), coordinators(302), method="post")
        ],
        # A run's facilitators take its attendance; how each participant's run ended is its coordinators' to say.
        "enrolment:participant_completion": [
            Case(
                enrolment_url("enrolment:participant_completion"),
                coordinators(302),
                method="post",
                data={"completed": "1"},
            )
        ],
        "enrolment:attendance": [
            Case(
                lambda w: reverse("enrolment:attendance", kwargs={"session_id": w.run.sessions.first().pk}),
                coordinators(200, facilitator=200),
            ),
        ],
    }
)


def referral_url(name, **extra):
    return lambda world: reverse(name, kwargs={"public_id": world.referral.public_id, **extra})


HEALTH_WORKERS = every(404, anonymous=302, health_worker=200, health_worker_other_unit=200)

MATRIX.update(
    {
        # Referrals: the referring worker, the receiving coordinators while open, and the person. Nobody else,
        # not even superusers; municipality admins only through break-glass with a written reason.
        "referrals:refer": [Case(lambda w: reverse("referrals:refer", kwargs={"slug": w.offer.slug}), HEALTH_WORKERS)],
        "referrals:list": [Case(lambda w: reverse("referrals:list"), HEALTH_WORKERS)],
        "referrals:detail": [Case(referral_url("referrals:detail"), every(404, anonymous=302, health_worker=200))],
        "referrals:inbox": [
            Case(
                lambda w: reverse("referrals:inbox"),
                every(404, anonymous=302, coordinator=200, coordinator_other_provider=200),
            )
        ],
        "referrals:inbox_detail": [
            Case(referral_url("referrals:inbox_detail"), every(404, anonymous=302, coordinator=200))
        ],
        "referrals:accept": [
            Case(
                referral_url("referrals:accept"),
                every(404, anonymous=302, coordinator=302),
                method="post",
                data={"run": ""},
            )
        ],
        "referrals:decline": [
            Case(
                referral_url("referrals:decline"),
                every(404, anonymous=302, coordinator=302),
                method="post",
                data={"reason": "full"},
            )
        ],
        "referrals:contact": [
            Case(referral_url("referrals:contact"), every(404, anonymous=302, coordinator=302), method="post")
        ],
        "referrals:about_me": [Case(referral_url("referrals:about_me"), owner_only(200))],
        "referrals:about_me_answer": [
            Case(referral_url("referrals:about_me_answer", action="confirm"), owner_only(302), method="post")
        ],
        "referrals:break_glass_list": [Case(lambda w: reverse("referrals:break_glass_list"), admins_only(200))],
        "referrals:break_glass": [Case(referral_url("referrals:break_glass"), admins_only(200))],
    }
)

# allauth's own pages (sign-in, second factor, sessions). allauth scopes every object to the signed-in
# person; 302s are redirects to sign in, to re-authenticate, or away from pages that make no sense now.
# Columns follow ROLES: anonymous, citizen, other citizen, worker, worker elsewhere, coordinator,
# coordinator elsewhere, facilitator, municipality admin, superuser.
ALLAUTH = {
    "account_login": ("/konto/login/", [200, 302, 302, 302, 302, 302, 302, 302, 302, 302]),
    "account_signup": ("/konto/signup/", [200, 302, 302, 302, 302, 302, 302, 302, 302, 302]),
    "account_request_login_code": ("/konto/login/code/", [200, 302, 302, 302, 302, 302, 302, 302, 302, 302]),
    "account_confirm_login_code": ("/konto/login/code/confirm/", [302] * 10),
    "account_email_verification_sent": ("/konto/confirm-email/", [302] * 10),
    "account_inactive": ("/konto/inactive/", [200] * 10),
    "account_logout": ("/konto/logout/", [302] + [200] * 9),
    "account_reauthenticate": ("/konto/reauthenticate/", [302] + [200] * 9),
    "account_email": ("/konto/email/", [302] + [200] * 9),
    "account_change_password": ("/konto/password/change/", [302] + [200] * 9),
    "account_set_password": ("/konto/password/set/", [302] * 10),
    "account_reset_password": ("/konto/password/reset/", [200] * 10),
    "account_reset_password_done": ("/konto/password/reset/done/", [200] * 10),
    "account_reset_password_from_key": ("/konto/password/reset/key/1-feil/", [200] * 10),
    "account_reset_password_from_key_done": ("/konto/password/reset/key/done/", [200] * 10),
    "mfa_index": ("/konto/2fa/", [302] + [200] * 9),
    "mfa_authenticate": ("/konto/2fa/authenticate/", [302] * 10),
    "mfa_reauthenticate": ("/konto/2fa/reauthenticate/", [302, 302, 302] + [200] * 7),
    "mfa_activate_totp": ("/konto/2fa/totp/activate/", [302] * 10),
    "mfa_deactivate_totp": ("/konto/2fa/totp/deactivate/", [302, 404, 404] + [302] * 7),
    "mfa_view_recovery_codes": ("/konto/2fa/recovery-codes/", [302] + [404] * 9),
    "mfa_generate_recovery_codes": ("/konto/2fa/recovery-codes/generate/", [302] * 10),
    "mfa_download_recovery_codes": ("/konto/2fa/recovery-codes/download/", [302] + [404] * 9),
    "mfa_list_webauthn": ("/konto/2fa/webauthn/", [302] + [200] * 9),
    "mfa_add_webauthn": ("/konto/2fa/webauthn/add/", [302] * 10),
    "mfa_reauthenticate_webauthn": ("/konto/2fa/webauthn/reauthenticate/", [302] * 10),
    "mfa_remove_webauthn": ("/konto/2fa/webauthn/keys/1/remove/", [302] * 10),
    "mfa_edit_webauthn": ("/konto/2fa/webauthn/keys/1/edit/", [302] * 10),
    "mfa_login_webauthn": ("/konto/2fa/webauthn/login/", [302] * 10),
    "usersessions_list": ("/konto/sessions/", [302] + [200] * 9),
}
# The Django admin is for superusers only (with a second factor); all its URLs sit behind one check.
MATRIX["admin/"] = [
    Case("/admin/", every(302, superuser=200)),
    Case("/admin/accounts/user/", every(302, superuser=200)),
]

for _name, (_url, _statuses) in ALLAUTH.items():
    MATRIX[_name] = [Case(_url, dict(zip(ROLES, _statuses, strict=True)))]


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name


def project_urls():
    return list(_walk(get_resolver().url_patterns))


def test_every_url_is_in_the_matrix():
    keys = {"admin/" if route.startswith("admin/") else (name or route) for route, name in project_urls()}
    missing = sorted(keys - set(MATRIX))
    assert not missing, f"URLs without an access-matrix entry: {missing}"


def client_for(world, role):
    client = Client()
    if role != "anonymous":
        client.force_login(world.people[role])
    return client


@pytest.fixture
def world():
    world = build_world()
    admin = world.people["municipality_admin"]
    Invitation.objects.create(
        email="invited@example.org",
        role=Role.COORDINATOR,
        provider=world.provider,
        invited_by=admin,
        token_hash="a" * 64,
        expires_at="2999-01-01T00:00:00Z",
    )
    Invitation.objects.create(
        email="invited.baerum@example.org",
        role=Role.COORDINATOR,
        provider=world.other_provider,
        invited_by=world.people["superuser"],
        token_hash="b" * 64,
        expires_at="2999-01-01T00:00:00Z",
    )
    world.enrolment = Enrolment.objects.create(
        run=world.run, person=world.people["citizen"], status=Enrolment.Status.CONFIRMED
    )
    world.interest = Interest.objects.create(offer=world.offer, person=world.people["citizen"])
    world.referral, _held = referral_services.refer(
        referrer=world.people["health_worker"],
        service_unit=world.unit,
        offer=world.offer,
        run=world.run,
        name="Ida",
        email=world.people["citizen"].email,
        phone="",
        birth_date=None,
        consent_method="spoken",
        consent_given_at=timezone.now(),
        hold_seat=False,
    )
    return world


READ_CASES = [(name, case) for name, cases in MATRIX.items() for case in cases if case.method == "get"]
WRITE_CASES = [
    (name, index, case) for name, cases in MATRIX.items() for index, case in enumerate(cases) if case.method != "get"
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_exactly_what_it_may(world, role):
    client = client_for(world, role)
    wrong = []
    for name, case in READ_CASES:
        url = case.url(world) if callable(case.url) else case.url
        response = client.get(url, case.data)
        if response.status_code != case.expected[role]:
            wrong.append(f"GET {url} ({name}): {response.status_code}, expected {case.expected[role]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "index", "case"), WRITE_CASES, ids=[f"{n}-{i}" for n, i, _ in WRITE_CASES])
def test_each_role_changes_exactly_what_it_may(world, role, name, index, case):
    url = case.url(world)
    response = getattr(client_for(world, role), case.method)(url, case.data)
    assert response.status_code == case.expected[role], f"{case.method.upper()} {url}"
