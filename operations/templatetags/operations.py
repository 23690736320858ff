from django import template

from operations.selectors import needs_attention

register = template.Library()


@register.inclusion_tag("operations/needs_attention.html", takes_context=True)
def needs_attention_panel(context):
    request = context["request"]
    return {"brands": needs_attention(user=request.user)}
