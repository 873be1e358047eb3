import factory

from workdays.models import CalendarDay, CalendarYear, DayKind, YearSource


class CalendarYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarYear
        django_get_or_create = ["year"]

    year = 2027
    source = YearSource.MANUAL
    covered = True
    notes = "国办发明电〔2026〕测试"


class CalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarDay

    calendar_year = factory.SubFactory(CalendarYearFactory, year=factory.SelfAttribute("..date.year"))
    kind = DayKind.HOLIDAY
    name = "元旦"
