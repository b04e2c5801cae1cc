"""The directory roles a relationship can hold, named as the partner centre's editions write them."""

from django.db import migrations

# (role template id, English name, Japanese name, English description, Japanese description)
ROLES = [
    (
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
        "Directory Readers",
        "ディレクトリ閲覧者",
        "Can read basic directory information.",
        "基本的なディレクトリ情報を読み取ることができます。",
    ),
    (
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        "Global Reader",
        "グローバル閲覧者",
        "Can read everything a Global Administrator can, but not change anything.",
        "グローバル管理者が読み取れるすべての情報を読み取れますが、変更はできません。",
    ),
    (
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "User Administrator",
        "ユーザー管理者",
        "Can manage users and groups, and reset passwords of non-admin users.",
        "ユーザーとグループを管理し、管理者以外のパスワードをリセットできます。",
    ),
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
        "ヘルプデスク管理者",
        "Can reset passwords of non-administrators and Helpdesk Administrators.",
        "管理者以外とヘルプデスク管理者のパスワードをリセットできます。",
    ),
    (
        "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
        "License Administrator",
        "ライセンス管理者",
        "Can assign and remove licences of users and groups.",
        "ユーザーとグループのライセンスを割り当て、削除できます。",
    ),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
        "Exchange 管理者",
        "Can manage every aspect of Exchange Online.",
        "Exchange Online のすべての機能を管理できます。",
    ),
    (
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
        "SharePoint 管理者",
        "Can manage every aspect of SharePoint Online.",
        "SharePoint Online のすべての機能を管理できます。",
    ),
    (
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
        "Teams Administrator",
        "Teams 管理者",
        "Can manage the Microsoft Teams service.",
        "Microsoft Teams サービスを管理できます。",
    ),
    (
        "5d6b6bb7-de71-4623-b4af-96380a352509",
        "Security Reader",
        "セキュリティ閲覧者",
        "Can read security information and reports.",
        "セキュリティ情報とレポートを読み取ることができます。",
    ),
    (
        "f023fd81-a637-4b56-95fd-791ac0226033",
        "Service Support Administrator",
        "サービス サポート管理者",
        "Can read service health and open and manage support requests.",
        "サービスの正常性を読み取り、サポート リクエストを作成、管理できます。",
    ),
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
        "特権ロール管理者",
        "Can manage role assignments, including who holds privileged roles.",
        "特権ロールを含むロールの割り当てを管理できます。",
    ),
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
        "グローバル管理者",
        "Can manage everything in the directory; the most powerful role.",
        "ディレクトリのすべてを管理できる、最も強力なロールです。",
    ),
]


def seed_roles(apps, schema_editor):
    AdminRole = apps.get_model("relationships", "AdminRole")
    for position, (role_id, name_en, name_ja, description_en, description_ja) in enumerate(ROLES):
        AdminRole.objects.update_or_create(
            id=role_id,
            defaults={
                "name_en": name_en,
                "name_ja": name_ja,
                "description_en": description_en,
                "description_ja": description_ja,
                "position": position,
            },
        )


def remove_roles(apps, schema_editor):
    AdminRole = apps.get_model("relationships", "AdminRole")
    AdminRole.objects.filter(id__in=[role[0] for role in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("relationships", "0001_initial")]

    operations = [migrations.RunPython(seed_roles, remove_roles)]
