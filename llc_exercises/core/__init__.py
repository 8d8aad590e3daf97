"""The kit's data, shared by every audience: worksheet definitions, the answer store, cohorts,
rosters and attendance. Nothing here draws, renders a page or shows a widget."""
