"""`wastectl rebuild`: one resumable pipeline of named stages with a state file per cluster."""
