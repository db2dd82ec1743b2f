"""The compare workspace: prompt area, model bar, answer panes and their layouts."""
