"""Item statistics and calibration, from CSV files or from the bank's stored responses.

Each name says which data it reads:

* ``calibrate-csv``, ``item-stats-csv``, ``score`` and ``equate-csv`` run the psychometrics
  core on CSV files (no database); input problems are reported naming the file, row and column (see
  `exam_engine.psychometrics.response_table` for the file formats);
* ``calibrate-bank`` and ``item-stats-bank`` read a unit's stored responses.

`calibration` holds calibration, scoring and equating, `statistics` the item statistics, `tables`
the CSV files both read and write.
"""

from exam_engine.analysis.commands.calibration import (
    calibrate_bank_command,
    calibrate_csv_command,
    equate_csv_command,
    score_command,
)
from exam_engine.analysis.commands.statistics import item_stats_bank_command, item_stats_csv_command

__all__ = ["calibrate_bank_command", "calibrate_csv_command", "equate_csv_command", "item_stats_bank_command",
           "item_stats_csv_command", "score_command"]
