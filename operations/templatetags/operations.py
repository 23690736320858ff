from django import template
from django.utils import timezone

from charterops.tenancy import brand_zone_for
from operations.selectors import needs_attention

register = template.Library()


@register.inclusion_tag("operations/needs_attention.html", takes_context=True)
def needs_attention_panel(context):
    request = context["request"]
    return {"brands": needs_attention(user=request.user)}


@register.simple_tag(takes_context=True)
def brand_today(context) -> str:
    """Today's date (YYYY-MM-DD) on the staff user's brand's clock."""
    return timezone.localtime(timezone.now(), brand_zone_for(context["request"])).date().isoformat()
