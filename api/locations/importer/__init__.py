"""Import collection points from CSV datasets (engine of `wastectl data import-points`)."""

from api.locations.importer.engine import ImportReport, import_points, upsert_records
from api.locations.importer.formats import ImportFileError, PointRecord
from api.locations.importer.layouts import FORMATS

__all__ = ["FORMATS", "ImportFileError", "ImportReport", "PointRecord", "import_points", "upsert_records"]
