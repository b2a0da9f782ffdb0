"""`dlp serve`: an SMTP filtering relay any mailer can use as its smarthost.

Each message is scanned by the same pipeline as `dlp check`; pass/warn messages are relayed upstream
(same envelope, plus an `X-DLP-Verdict` header) and acknowledged only once the upstream accepted them;
blocked ones are refused with `550 5.7.1`; anything that stops us from deciding is answered with a
temporary `451` so the client keeps the message and retries. Nothing is lost, nothing leaks.
"""
