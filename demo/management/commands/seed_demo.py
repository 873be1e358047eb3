from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.story import PASSWORD, PROVIDER_USERS, STAFF, demo_build, demo_clear, demo_present


class Command(BaseCommand):
    help = "Load the demo story (staff for every role, customers of every edition, cases in every state)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="remove demo cases and people first, then rebuild")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示数据只能在开发环境（DEBUG=true）中加载，生产环境不加载。")
        if options["reset"]:
            demo_clear()
        if demo_present() and not options["reset"]:
            self.stdout.write("demo data already present (use --reset to rebuild)")
        else:
            counts = demo_build()
            self.stdout.write(
                f"demo data: {counts['users']} logins, {counts['people']} people, {counts['cases']} cases"
            )
        self._print_logins()

    def _print_logins(self):
        from django.contrib.auth import get_user_model

        from audit.tokens import api_token_issue
        from audit.twofactor import otp_enrol, otp_required

        self.stdout.write(f"\nLogins (password for all staff: {PASSWORD}):")
        for username, full_name, group, _ in STAFF:
            if username == "wechat":
                continue
            user = get_user_model().objects.get(username=username)
            second = ""
            if otp_required(user):
                otp_enrol(user=user)  # a fresh authenticator secret for every demo login that needs one
                second = f"  动态验证码: python manage.py otp_code {username}"
            self.stdout.write(f"  {username:<12} {group or '超级管理员'}  {full_name}{second}")
        # Tokens are kept only as digests: each run issues fresh ones (the previous ones stop working).
        self.stdout.write("API tokens, new on every run (Authorization: Token …):")
        for username in ["wechat", *PROVIDER_USERS.values()]:
            user = get_user_model().objects.filter(username=username).first()
            self.stdout.write(f"  {username:<18} {api_token_issue(user=user) if user else '-'}")
