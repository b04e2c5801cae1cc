"""One small form per action on jobs."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jobs.csvfile import MAX_BYTES
from jobs.models import UPLOAD_KINDS


class UploadForm(forms.Form):
    """The CSV to check, the import it is for, and its encoding when detection is unsure."""

    kind = forms.ChoiceField(label=_("Import"), choices=UPLOAD_KINDS)
    file = forms.FileField(label=_("CSV file"))
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        required=False,
        choices=[
            ("", _("Detect automatically")),
            ("utf-8", "UTF-8"),
            ("cp932", "Shift_JIS (CP932)"),
        ],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 10 MB. Split it into smaller files.")
            )
        return upload
