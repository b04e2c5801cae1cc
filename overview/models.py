from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.tenancy import TenantQuerySet


class SummaryQuerySet(TenantQuerySet):
    pass


class Summary(models.Model):
    """One organisation's overview, as the refresh job last counted it.

    ``figures`` maps a figure's key to ``{"value": …, "previous": …}`` (previous:
    the same figure one period earlier, or null when it cannot be known);
    ``charts`` maps a chart's key to its rows; ``history`` keeps one day's
    figures per date for the last 40 days, for the figures whose earlier value
    no timestamp tells (active licences, renewals due, …).
    """

    organisation = models.OneToOneField(
        "partners.Organisation", on_delete=models.CASCADE, related_name="overview_summary"
    )
    refreshed_at = models.DateTimeField(_("as of"))
    figures = models.JSONField(default=dict)
    charts = models.JSONField(default=dict)
    history = models.JSONField(default=dict)

    objects = SummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("overview summary")
        verbose_name_plural = _("overview summaries")

    def __str__(self):
        return f"{self.organisation_id} @ {self.refreshed_at:%Y-%m-%d %H:%M}"
