"""Forms of the pages casework assembles from several apps."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .deadlines import RULES, State


class DeadlineFilterForm(forms.Form):
    """The deadline board's filters, sent by GET (no personal data)."""

    rule = forms.ChoiceField(label=_("期限类型"), required=False)
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), (State.OVERDUE, _("已逾期")), (State.DUE_SOON, _("即将到期"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("全部")), *((name, rule.label) for name, rule in RULES.items())]

    def chosen(self) -> tuple[list, str]:
        """(the rules to show, the state filter); an invalid choice shows everything."""
        if not self.is_valid():
            return list(RULES.values()), ""
        name = self.cleaned_data["rule"]
        return ([RULES[name]] if name else list(RULES.values())), self.cleaned_data["state"]
