"""What every app shares and that knows no app: refusals, the "signed in and allowed" decorator, e-mail with
retries, query strings without control characters. Nothing here imports an app; every app may import it."""
