"""A customers import in the browser, in English and Japanese: upload, a preview with a bad
row, Start, the progress bar at 100%, the results downloaded."""

from pathlib import Path

import pytest

from customers.models import Customer
from portal.roles import Role
from tests import factories as f
from tests.e2e._language import switch_language
from tests.e2e.conftest import sign_in
from tests.jobs.conftest import CUSTOMER_HEADER, csv_bytes, customer_row

pytestmark = pytest.mark.django_db(transaction=True)

LABELS = {
    "en": {"check": "Check the file", "start": "Start import (1 valid row)",
           "results": "Download results (CSV)", "bad": "Enter a valid email address."},
    "ja": {"check": "ファイルを確認", "start": "インポートを開始 (有効な行 1 件)",
           "results": "結果をダウンロード (CSV)", "bad": "有効なメールアドレスを入力してください。"},
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_upload_preview_start_and_download_the_results(page, shot, live_server, tmp_path, lang):
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    f.MembershipFactory(
        organisation=provider, role=Role.ADMIN_AGENT, user__email="agent@contoso.example"
    )
    bad = customer_row(2)
    bad[8] = "not-an-email"
    path = tmp_path / "customers.csv"
    path.write_bytes(csv_bytes(CUSTOMER_HEADER, [customer_row(1, company="株式会社テスト"), bad]))
    text = LABELS[lang]
    sign_in(page, "agent@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.goto("/imports/new/")
    page.locator("#id_kind").select_option("customers")
    page.locator("#id_file").set_input_files(str(path))
    page.get_by_role("button", name=text["check"]).click()
    page.wait_for_load_state()
    assert text["bad"] in page.locator("#problems").inner_text()
    shot(page, f"import-preview-{lang}")
    page.get_by_role("button", name=text["start"]).click()
    page.wait_for_load_state()
    bar = page.locator("#job-bar")
    bar.wait_for()
    page.wait_for_function("() => { const b = document.querySelector('#job-bar');"
                           " return b && b.value === b.max; }")  # fmt: skip
    assert "100%" in page.locator("#job-percent").inner_text()
    shot(page, f"import-done-{lang}")
    with page.expect_download() as download:
        page.get_by_role("button", name=text["results"]).click()
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "object_id" in content and str(Customer.objects.get().uuid) in content
    assert Customer.objects.get().company_name == "株式会社テスト"
