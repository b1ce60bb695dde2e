from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class ChannelPreferencesForm(forms.Form):
    email = forms.BooleanField(label=_("电子邮件"), required=False)
    sms = forms.BooleanField(label=_("短信"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # A switched-on channel with no address reaches nobody: say so next to the box.
        if not user.email:
            self.fields["email"].help_text = _("您的账号未登记电子邮箱，邮件无法送达。")
        if not settings.SMS_GATEWAY_URL:
            self.fields["sms"].help_text = _("本系统未接入短信网关，暂不能发送短信。")
        elif not getattr(user, "phone", ""):
            self.fields["sms"].help_text = _("您的账号未登记手机号码，短信无法送达。")
