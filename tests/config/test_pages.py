"""The portal's front door: the desk page each role lands on, in Chinese, with English on request."""

import pytest

from demo.story import staff_create

pytestmark = pytest.mark.django_db


def test_the_root_address_opens_the_desk(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_the_admin_speaks_chinese_by_default_and_english_on_request(client):
    page = client.get("/admin/login/").content.decode()
    assert "用户名" in page and "太保蓝本 绿通服务工作台" in page
    assert "Django" not in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})
    assert "Username" in client.get("/admin/login/").content.decode()


@pytest.mark.parametrize(
    ("username", "shortcuts"),
    [
        ("intake", ["权益查询", "热线录入申请"]),
        ("reviewer", ["医学审核队列"]),
        ("coordinator", ["调度看板"]),
        ("manager", ["时效报表"]),
    ],
)
def test_each_role_finds_its_first_task_on_the_desk(client, username, shortcuts):
    users = staff_create()
    client.force_login(users[username])
    desk = client.get("/admin/").content.decode()
    block = desk[desk.index('id="desk-shortcuts"') :]
    for shortcut in shortcuts:
        assert shortcut in block
    assert "热线录入申请" not in block or username == "intake"
