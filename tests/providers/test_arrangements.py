"""Arrangements as each service describes them, from the catalogue's flags (board, API, service)."""

import datetime

import pytest
from django.utils import timezone

from cases.errors import CaseValidationError
from cases.models import CaseState
from cases.services import case_arrange
from entitlements.models import Edition
from tests.factories.cases import service
from tests.factories.entitlements import EnrollmentFactory, PolicyFactory
from tests.providers.conftest import accepted_case as _accepted

EDITION_OF = {
    "remote-rehab-guidance": "wuyou-2023-pro",
    "remote-city-assistance": "wuyou-2023-pro",
    "second-opinion": "2021-pro",
}


def dispatched_case(*, provider, actor, service):
    """A dispatched case of ``service`` on an edition that holds it (policy effective 1 Mar 2024)."""
    code = EDITION_OF.get(service.code, "2023-pro")
    policy = PolicyFactory(effective_date=datetime.date(2024, 3, 1))
    enrollment = EnrollmentFactory(policy=policy, edition=Edition.objects.get(code=code))
    return _accepted(provider=provider, actor=actor, service=service, enrollment=enrollment)


pytestmark = pytest.mark.django_db


def page(number: str) -> str:
    return f"/board/cases/{number}/"


def url(number: str) -> str:
    return f"/api/v1/provider/cases/{number}/arrangement"


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


def soon() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=2)


def test_remote_rehab_guidance_is_arranged_with_a_dietitian_rehab_therapist_or_counsellor(coordinator, provider_a):
    """专家远程康复指导 "协调营养师、康复师、心理咨询师，以书面或电话形式进行专业康复指导"."""
    case = dispatched_case(provider=provider_a, actor=coordinator, service=service("remote-rehab-guidance"))
    with pytest.raises(CaseValidationError) as refused:
        case_arrange(case=case, actor=coordinator, specialist="主任医师", guidance_mode="电话")
    assert "营养师、康复师、心理咨询师" in refused.value.errors["arranged_specialist"][0]

    # No physician's title is asked of it: the name's "专家" is no rule.
    case = case_arrange(case=case, actor=coordinator, specialist="心理咨询师", guidance_mode="书面")
    assert (case.state, case.arranged_specialist, case.arranged_guidance_mode) == (
        CaseState.ARRANGED,
        "心理咨询师",
        "书面",
    )


def test_remote_rehab_guidance_needs_its_specialist_and_form_of_guidance(coordinator, provider_a):
    """专家远程康复指导: who guides, and "以书面或电话形式"."""
    case = dispatched_case(provider=provider_a, actor=coordinator, service=service("remote-rehab-guidance"))
    with pytest.raises(CaseValidationError) as refused:
        case_arrange(case=case, actor=coordinator)
    assert {"arranged_specialist", "arranged_guidance_mode"} == set(refused.value.errors)


def test_written_second_opinion_needs_no_visit_time(coordinator, provider_a):
    """二次诊疗 "向客户提供专业书面医疗建议": no visit, so no visit time."""
    case = dispatched_case(provider=provider_a, actor=coordinator, service=service("second-opinion"))
    case = case_arrange(case=case, actor=coordinator, hospital="北京协和医院", doctor="张教授")
    assert case.state == CaseState.ARRANGED and case.arranged_at is None
    assert case.quota_hold.status == "used"


def test_remote_city_assistance_records_the_transfers_and_the_accommodation_plan(coordinator, provider_a, signed_in):
    """异地就医协助安排 "提供专车接送服务 … 提供就医当地住宿方案一份"."""
    case = dispatched_case(provider=provider_a, actor=coordinator, service=service("remote-city-assistance"))
    with pytest.raises(CaseValidationError) as refused:
        case_arrange(case=case, actor=coordinator, hospital="四川大学华西医院", arranged_at=soon())
    assert {"arranged_transfers", "arranged_accommodation"} <= set(refused.value.errors)

    case = case_arrange(
        case=case,
        actor=coordinator,
        hospital="四川大学华西医院",
        arranged_at=soon(),
        transfers="12月5日 双流机场→酒店；酒店→医院；医院→酒店；酒店→双流机场",
        accommodation="华西医院附近某酒店，步行5分钟",
    )
    html = signed_in.get(page(case.number)).content.decode()
    assert "专车接送安排：12月5日 双流机场→酒店" in html and "就医当地住宿方案：华西医院附近某酒店" in html


def test_expert_services_require_an_associate_chief_physician_or_above(coordinator, provider_a):
    """重疾三甲专家预约 "副主任医师及以上专家"."""
    case = dispatched_case(provider=provider_a, actor=coordinator, service=service("ci-top3a-expert-appointment"))
    with pytest.raises(CaseValidationError) as refused:
        case_arrange(case=case, actor=coordinator, hospital="北京协和医院", doctor_title="主治医师", arranged_at=soon())
    assert "副主任医师" in refused.value.errors["arranged_doctor_title"][0]


def _arrange_form(response):
    return next(item for item in response.context["actions"] if item.name == "arrange").form


def test_the_board_arrangement_form_shows_only_the_services_own_fields(coordinator, provider_a, signed_in):
    """Each service's arrangement form shows only its own fields."""
    rehab = dispatched_case(provider=provider_a, actor=coordinator, service=service("remote-rehab-guidance"))
    form = _arrange_form(signed_in.get(page(rehab.number)))
    assert [name for name in form.fields if name not in ("expected_state", "note")] == [
        "arranged_at",
        "specialist",
        "guidance_mode",
    ]
    assert [c for c, _ in form.fields["specialist"].choices] == ["", "营养师", "康复师", "心理咨询师"]

    opinion = dispatched_case(provider=provider_a, actor=coordinator, service=service("second-opinion"))
    form = _arrange_form(signed_in.get(page(opinion.number)))
    assert "arranged_at" not in form.fields and form.fields["hospital"].required


def test_the_board_records_a_written_second_opinion_taken_by_phone(coordinator, provider_a, signed_in):
    """二次诊疗 on the board: no visit time asked."""
    case = dispatched_case(provider=provider_a, actor=coordinator, service=service("second-opinion"))
    data = {
        "action": "arrange",
        "arrange-expected_state": case.state,
        "arrange-hospital": "北京协和医院",
        "arrange-doctor": "张教授",
    }
    response = signed_in.post(page(case.number), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ARRANGED


def test_the_provider_api_reports_a_rehab_arrangement_and_ignores_fields_the_service_does_not_record(
    client_a, provider_a, coordinator
):
    """The provider API carries every input; the service records only its own."""
    case = dispatched_case(provider=provider_a, actor=coordinator, service=service("remote-rehab-guidance"))
    payload = {"specialist": "营养师", "guidance_mode": "电话", "hospital": "某医院", "doctor_title": "主治医师"}
    response = client_a.post(url(case.number), payload, format="json")
    assert response.status_code == 200, response.json()
    assert response.data["arrangement"]["specialist"] == "营养师"
    case.refresh_from_db()
    assert (case.arranged_hospital, case.arranged_doctor_title) == ("", "")


def test_the_provider_api_names_the_missing_rehab_specialist(client_a, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator, service=service("remote-rehab-guidance"))
    response = client_a.post(url(case.number), {"guidance_mode": "电话"}, format="json")
    assert response.status_code == 400
    assert "specialist" in response.data
