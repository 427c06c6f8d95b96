from summarizer.app.cli import entry_point

entry_point()
