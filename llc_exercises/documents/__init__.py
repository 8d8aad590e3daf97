"""Answers turned into pages and PDFs: static renders, charts, page templates and stylesheets, the
workbook pipeline, the PDF engines and the letter. The participant's app, the facilitator's command
line and the hub's "Build all" print through here."""
