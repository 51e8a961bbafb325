"""CSV that is safe to open in a spreadsheet and reads back exactly what it wrote.

A spreadsheet runs a cell that starts with = + - @, a tab or a carriage return as a formula (CSV
injection, OWASP). On export every text cell that starts with one of them gets a leading single
quote, as OWASP recommends, so the spreadsheet shows it as text. Only text is quoted: numeric
columns reach the format as numbers (see `resources.NumberWidget`), so a negative torque stays -12.

On import (`vehicles.importing.read_csv`) one leading quote is taken off such a cell again, so
importing our own export changes nothing, however often it is repeated. To keep that exact both
ways, a text that already starts with quotes followed by one of those characters ("'=x") gets one
more quote on export too.

django-import-export's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only deletes a leading "=" (so
the text changes, and + - @ pass); it still runs after this and finds nothing left to do.
"""

import tablib
from import_export.formats.base_formats import CSV

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def quote_formula(cell):
    if isinstance(cell, str) and cell.lstrip(QUOTE).startswith(FORMULA_STARTS):
        return QUOTE + cell
    return cell


def unquote_formula(cell):
    if isinstance(cell, str) and cell.startswith(QUOTE) and cell.lstrip(QUOTE).startswith(FORMULA_STARTS):
        return cell[len(QUOTE) :]
    return cell


def map_cells(dataset, function):
    rows = (tuple(function(cell) for cell in row) for row in dataset)
    return tablib.Dataset(*rows, headers=dataset.headers, title=dataset.title)


class SpreadsheetSafeCSV(CSV):
    def export_data(self, dataset, **kwargs):
        return super().export_data(map_cells(dataset, quote_formula), **kwargs)
