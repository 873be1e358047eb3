import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from entitlements.models import Person
from entitlements.models.people import normalize_id_number
from entitlements.selectors import entitlement_inquiry


class Command(BaseCommand):
    help = "权益查询: what a person (by ID number) may still use on a day."

    def add_arguments(self, parser):
        parser.add_argument("id_number")
        parser.add_argument("--on", help="YYYY-MM-DD (default: today, Asia/Shanghai)")
        parser.add_argument("--json", action="store_true", help="print the API's JSON")

    def handle(self, *args, **options):
        on = self._day(options["on"])
        person = Person.objects.filter(id_number=normalize_id_number(options["id_number"])).first()
        if person is None:
            raise CommandError("未找到该身份证号的客户")
        inquiry = entitlement_inquiry(person=person, on=on)
        if options["json"]:
            self.stdout.write(json.dumps(inquiry, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder))
            return
        self.stdout.write(f"{person.name} {person.id_number_masked} · {inquiry['on']}")
        for enrollment in inquiry["enrollments"]:
            self._write_enrollment(enrollment)

    def _day(self, text: str | None) -> date:
        if not text:
            return timezone.localdate()
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"--on：日期“{text}”无效，应为 YYYY-MM-DD") from None

    def _write_enrollment(self, enrollment: dict) -> None:
        period = enrollment["service_period"]
        state = "服务中" if enrollment["active"] else "不在服务期"
        dates = f"{period['start']}～{period['end']}"
        self.stdout.write(f"\n{enrollment['edition']['name']} 保单{enrollment['policy_no']} {dates} {state}")
        for person in enrollment["beneficiaries"]:
            self.stdout.write(f"  {person['relation_label']} {person['name']}（有效至{person['valid_until']}）")
            for service in person["services"]:
                note = "" if service["available"] else f" ✗ {service['reason']}"
                self.stdout.write(f"    {service['service']}: 剩余{service['remaining_text']}{note}")
