from django import template

register = template.Library()


@register.filter
def ds_widget(bound_field):
    """Render a form field's widget with Designsystemet's input class (keeping Django's aria attributes)."""
    widget = bound_field.field.widget
    existing = widget.attrs.get("class", "")
    css = existing if "ds-input" in existing.split() else f"{existing} ds-input".strip()
    return bound_field.as_widget(attrs={"class": css})
