"""Detection: Presidio's AnalyzerEngine plus dlp's own recognizers, configured for email."""
