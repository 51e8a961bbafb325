"""The article list's quick filters: ``QuickFilterChips`` drawn as chips above the list."""

from django import template

register = template.Library()


@register.inclusion_tag("admin/articles/article/_quick_filters.html")
def quick_filters(changelist):
    for spec in changelist.filter_specs:
        if spec.parameter_name == "show":
            show_all, *chips = spec.choices(changelist)
            return {"chips": chips, "show_all": show_all, "filtered": spec.value() is not None}
    return {"chips": []}
