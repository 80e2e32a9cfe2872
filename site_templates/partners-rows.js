{#- Not a page: every row of the partners list (partners.md), as data its table script loads. Context: PartnersRows (docs/site.md). -#}
{% import "_macros.html" as ui %}
{{ ui.partner_rows_data(rows, root) }}
