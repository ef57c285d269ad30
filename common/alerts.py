"""Alerts: when live or evaluated weighted F1 falls under ALERT_F1, or drift passes its threshold.

One incident sends one alert: the first process to raise an alert of a kind
takes a Redis key that lasts ALERT_COOLDOWN_S (``SET NX EX``), and alerts of that
kind are suppressed while it lives. A raised alert becomes an ``alert`` event,
an e-mail to every active admin through SMTP and, when configured, a JSON POST
to ALERT_WEBHOOK_URL. With AUTO_RETRAIN a retrain is enqueued, at most once
per cool-down whatever the alert.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import redis
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common import keys, monitoring
from common.events import record_event
from common.orm import ROLE_ADMIN, User
from common.registry import production_record
from common.settings import Settings

logger = logging.getLogger(__name__)

LIVE_F1, EVALUATED_F1, DRIFT = "live_f1", "evaluated_f1", "drift"
WEBHOOK_TIMEOUT_S = 10

EnqueueRetrain = Callable[[str], str | None]
"""Enqueues a retrain for a reason; returns its job id, or None when one already runs."""


class Alerter:
    """Raises deduplicated alerts and delivers them."""

    def __init__(
        self,
        settings: Settings,
        client: redis.Redis,
        sessions: sessionmaker[Session],
        enqueue_retrain: EnqueueRetrain | None = None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.sessions = sessions
        self.enqueue_retrain = enqueue_retrain

    def check_live(self, now: datetime | None = None) -> list[str]:
        """Check production's live F1 and drift over the window; returns alerts raised."""
        s = self.settings
        window = monitoring.Window(now or datetime.now(UTC), s.monitor_window_s, s.monitor_bucket_s)
        with self.sessions() as session:
            record = production_record(session)
            if record is None:
                return []
            live = monitoring.live_quality(session, window, record.name).get(record.name)
            found = monitoring.drift(session, window, record)
        raised = []
        current = live["current"] if live else {"n": 0}
        if current["n"] >= s.monitor_min_feedback and current["f1_weighted"] < s.alert_f1:
            message = (
                f"live weighted F1 of {record.name} is {current['f1_weighted']:.3f} "
                f"(under {s.alert_f1:.2f}) on {current['n']} feedback"
            )
            if self.raise_alert(LIVE_F1, message, version=record.name, f1=current["f1_weighted"]):
                raised.append(LIVE_F1)
        psi = found.get("psi_total")
        if psi is not None and found["n"] >= s.monitor_min_predictions:
            if psi > s.drift_psi_threshold:
                top = sorted(found["per_class"].items(), key=lambda kv: -kv[1])[:5]
                message = (
                    f"class drift of {record.name}: PSI {psi:.3f} (over "
                    f"{s.drift_psi_threshold:.2f}) on {found['n']} predictions"
                )
                if self.raise_alert(
                    DRIFT, message, version=record.name, psi=psi, top_classes=dict(top)
                ):
                    raised.append(DRIFT)
        return raised

    def check_evaluated(self, version: str, f1: float, products: int) -> bool:
        """Alert when a scheduled evaluation scored production under ALERT_F1."""
        if f1 >= self.settings.alert_f1:
            return False
        message = (
            f"evaluated weighted F1 of {version} on {products} new products is {f1:.3f} "
            f"(under {self.settings.alert_f1:.2f})"
        )
        return self.raise_alert(EVALUATED_F1, message, version=version, f1=f1)

    def raise_alert(self, kind: str, message: str, **details: Any) -> bool:
        """Deliver an alert unless one of ``kind`` is cooling down; True when delivered."""
        cooldown = self.settings.alert_cooldown_s
        if not self.client.set(keys.alert_cooldown(kind), message, nx=True, ex=cooldown):
            logger.info("alert %s suppressed (cool-down): %s", kind, message)
            return False
        record_event(self.sessions, "alert", message, level="warning", subject=kind, **details)
        payload = {
            "kind": kind,
            "message": message,
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "details": details,
        }
        self._email(kind, message, details)
        self._webhook(payload)
        if self.settings.auto_retrain:
            self._auto_retrain(kind, message)
        return True

    def admin_addresses(self) -> list[str]:
        """Every active admin's e-mail (a username that is an address serves too)."""
        with self.sessions() as session:
            admins = session.scalars(
                select(User).where(User.role == ROLE_ADMIN, User.active.is_(True))
            )
            found = [u.email or (u.username if "@" in u.username else "") for u in admins]
        return sorted({a for a in found if a})

    def _email(self, kind: str, message: str, details: dict[str, Any]) -> None:
        s = self.settings
        recipients = self.admin_addresses()
        if not s.smtp_host or not recipients:
            return
        mail = EmailMessage()
        mail["Subject"] = f"[Shelfwise] alert: {kind}"
        mail["From"] = s.smtp_from
        mail["To"] = ", ".join(recipients)
        lines = [message, ""] + [f"{k}: {v}" for k, v in details.items()]
        mail.set_content("\n".join(lines) + "\n\nSee GET /admin/monitoring.\n")
        try:
            if s.smtp_tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=10, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10)
            with smtp:
                if s.smtp_tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                smtp.send_message(mail)
            logger.info("alert %s mailed to %d admins", kind, len(recipients))
        except (OSError, smtplib.SMTPException) as exc:
            # A mail outage must not hide the alert: the event and the webhook still stand.
            logger.error("alert %s: e-mail failed: %s", kind, exc)

    def _webhook(self, payload: dict[str, Any]) -> None:
        url = self.settings.alert_webhook_url
        if not url:
            return
        try:
            requests.post(url, json=payload, timeout=WEBHOOK_TIMEOUT_S).raise_for_status()
        except requests.RequestException as exc:
            logger.error("alert %s: webhook failed: %s", payload["kind"], exc)

    def _auto_retrain(self, kind: str, message: str) -> None:
        if self.enqueue_retrain is None:
            return
        ttl = self.settings.alert_cooldown_s
        if not self.client.set(keys.AUTO_RETRAIN, kind, nx=True, ex=ttl):
            logger.info("auto-retrain already enqueued in this cool-down")
            return
        job_id = self.enqueue_retrain(f"alert {kind}: {message}")
        if job_id is None:
            logger.info("auto-retrain skipped: a training is already queued or running")
        else:
            logger.info("auto-retrain job %s enqueued after alert %s", job_id, kind)
