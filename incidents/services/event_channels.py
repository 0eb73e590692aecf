"""Event endpoints that are not HTTP POSTs of our own: email (`mailto:`) and Apprise URLs.

Email goes through Django's SMTP connection like the outage emails; Apprise does its own
network I/O, so before each send (and on create) the hosts its URL names are resolved and
refused under the same outbound-request policy as the prober's (`incidents.prober.outbound`).
The limits of that check are stated in docs/api.md ("Apprise endpoints").
"""

from typing import Any
from urllib.parse import unquote

import apprise
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.template.loader import render_to_string

from continuity import delivery
from continuity.i18n import customer_language
from continuity.models import Customer
from incidents.prober.outbound import configured_policy, target_refusal
from incidents.services.event_text import event_message

MAX_RECIPIENTS = 20
MAILTO = "mailto:"


def mailto_recipients(url: str) -> list[str]:
    """The addresses of `mailto:a@example.com,b@example.com`; ValueError says what is wrong."""
    if not url.lower().startswith(MAILTO) or url[len(MAILTO) :].startswith("//"):
        raise ValueError("Enter mailto:address[,address…] (mailto:// URLs are Apprise's).")
    addresses = [unquote(part).strip() for part in url[len(MAILTO) :].split("?")[0].split(",")]
    addresses = [address for address in addresses if address]
    if not addresses:
        raise ValueError("Enter at least one address after mailto:.")
    if len(addresses) > MAX_RECIPIENTS:
        raise ValueError(f"At most {MAX_RECIPIENTS} addresses.")
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ValueError(f"{address!r} is not an email address.") from None
    return addresses


def _apprise_plugin(url: str) -> Any:
    return apprise.Apprise.instantiate(url, suppress_exceptions=True)


def _contacted_hosts(plugin: Any) -> list[str]:
    """The hosts named in the URL that Apprise may connect to: the URL's host (self-hosted
    services, json://, form://, …) and an SMTP server. For hosted services (Slack, Telegram…)
    the URL's "host" is a token that does not resolve, and Apprise calls the vendor's fixed
    public API host instead."""
    hosts = [getattr(plugin, "host", None), getattr(plugin, "smtp_host", None)]
    return [host for host in dict.fromkeys(hosts) if isinstance(host, str) and host]


def apprise_refusal(plugin: Any) -> str | None:
    """Why the outbound-request policy forbids what `plugin` would contact, or None. A name
    that does not resolve (a hosted service's token) or whose look-up times out passes, as
    in the prober's own check on create."""
    policy = configured_policy()
    for host in _contacted_hosts(plugin):
        bare = host.strip("[]")  # Apprise keeps an IPv6 literal's brackets
        literal = f"[{bare}]" if ":" in bare else bare
        reason = target_refusal(f"http://{literal}/", policy)
        if reason:
            return reason
    return None


def apprise_url_error(url: str) -> str | None:
    """What is wrong with an Apprise URL for an endpoint, or None when Apprise knows it and
    the policy allows its host."""
    plugin = _apprise_plugin(url)
    if plugin is None:
        scheme = url.split("://", 1)[0] if "://" in url else url[:20]
        return (
            f"Apprise does not understand this URL (scheme {scheme!r} unknown or the URL is "
            "incomplete); see https://github.com/caronc/apprise/wiki for the URL of each service."
        )
    return apprise_refusal(plugin)


def email_message(
    payload: dict[str, Any], recipients: list[str], customer: Customer
) -> EmailMultiAlternatives:
    """The event mailed in the customer's language (subject, text and HTML)."""
    with customer_language(customer.locale):
        written = event_message(payload, customer)
        context = {"message": written, "customer": customer.name}
        text = render_to_string("incidents/event_email.txt", context)
        html = render_to_string("incidents/event_email.html", context)
    message = EmailMultiAlternatives(
        subject=written.title,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    message.attach_alternative(html, "text/html")
    message.extra_headers["X-Continuity-Event"] = payload["type"]
    message.extra_headers["X-Continuity-Delivery"] = payload["id"]
    return message


def apprise_send(url: str, title: str, body: str) -> None:
    """Notify through Apprise after the policy check; failures as `continuity.delivery` errors.

    Apprise reports only success or failure, not why: a failure is transient (retried with
    backoff until DELIVERY_MAX_ATTEMPTS), with Apprise's own log lines as the error."""
    plugin = _apprise_plugin(url)
    if plugin is None:
        raise delivery.PermanentError("Apprise no longer understands this URL")
    reason = apprise_refusal(plugin)
    if reason:
        raise delivery.PermanentError(reason)
    notifier = apprise.Apprise()
    notifier.add(plugin)
    with apprise.LogCapture(level=apprise.logging.WARNING) as log:
        sent = notifier.notify(title=title, body=body)
        details = log.getvalue().strip()
    if not sent:
        raise delivery.TransientError(f"Apprise could not deliver: {details or 'no detail'}"[:2000])
