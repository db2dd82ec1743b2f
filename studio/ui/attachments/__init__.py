"""Files in prompts: the prompt area's tray of attachments (paste, drop, file dialog), a
viewer for one file, and the fix-it loop that shows a model its own page."""
