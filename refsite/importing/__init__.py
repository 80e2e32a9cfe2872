"""``refsite import``: partners from a spreadsheet, referrals from a practice-management export.

csvfile (bytes to a table, as Excel and Sheets write them) -> columns (headers to
fields; nothing unmapped is read) -> partners / referrals (pure plans: records to
create, lines to append, rows listed with reasons) -> writer (applies a plan:
validate first, then write). Patient data stays out: only mapped cells are read,
rows are named by their number.
"""
