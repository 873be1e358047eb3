import pytest


@pytest.mark.django_db(transaction=True)
def test_login_page_is_titled_for_the_product_in_chinese(page, live_server, screenshot):
    page.goto(f"{live_server.url}/admin/login/")
    assert "太保蓝本" in page.content()
    assert "Django" not in page.title()
    assert page.locator("label[for=id_username]").inner_text().startswith("用户名")
    screenshot("login")
