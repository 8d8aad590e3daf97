"""The facilitator's command-line jobs: cohort builds at scale, exports, certificates, the calendar,
the session guide, the cohort report and objective coverage."""
