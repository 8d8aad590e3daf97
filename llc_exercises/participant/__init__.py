"""What runs in a participant's kernel or browser: worksheet forms, their accessibility and
save guard, uploads and downloads, sending answers, practice data and the app mode."""
