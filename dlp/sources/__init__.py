"""Message sources: each turns some input (a campaign, an RFC 5322 message, an archive) into ScanMessages."""
